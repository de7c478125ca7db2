_base_ = ['./_base_/cpm.py']

category = 'skirt'
model = dict(
    backbone=dict(out_channels=4), head=dict(in_channels=4, out_channels=4))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
