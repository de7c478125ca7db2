_base_ = ['./_base_/cpm.py']

category = 'dress'
model = dict(
    backbone=dict(out_channels=15), head=dict(in_channels=15, out_channels=15))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
