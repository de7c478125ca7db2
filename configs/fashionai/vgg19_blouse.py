_base_ = ['./_base_/vgg19.py']

category = 'blouse'
model = dict(head=dict(out_channels=13))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
