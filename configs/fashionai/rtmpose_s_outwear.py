_base_ = ['./_base_/rtmpose_s.py']

category = 'outwear'
model = dict(head=dict(out_channels=14))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
