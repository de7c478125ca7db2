_base_ = ['./_base_/hrnet_w32_coco.py']

category = 'trousers'
model = dict(head=dict(out_channels=7))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
