_base_ = ['./_base_/cpm.py']

category = 'blouse'
model = dict(
    backbone=dict(out_channels=13), head=dict(in_channels=13, out_channels=13))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
