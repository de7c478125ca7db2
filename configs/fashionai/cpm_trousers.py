_base_ = ['./_base_/cpm.py']

category = 'trousers'
model = dict(
    backbone=dict(out_channels=7), head=dict(in_channels=7, out_channels=7))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
