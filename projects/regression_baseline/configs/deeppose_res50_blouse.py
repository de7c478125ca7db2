_base_ = ['./_base_/deeppose_res50.py']

category = 'blouse'
model = dict(head=dict(num_joints=13))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
