_base_ = ['./_base_/rtmpose_t.py']

category = 'dress'
model = dict(head=dict(out_channels=15))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
