_base_ = ['./_base_/deeppose_res50.py']

category = 'skirt'
model = dict(head=dict(num_joints=4))
train_dataloader = dict(dataset=dict(category=category))
val_dataloader = test_dataloader = dict(dataset=dict(category=category))
