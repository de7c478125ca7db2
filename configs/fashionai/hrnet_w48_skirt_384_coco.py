_base_ = ['./_base_/hrnet_w48_384_coco.py']

category = 'skirt'
model = dict(head=dict(out_channels=4))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
