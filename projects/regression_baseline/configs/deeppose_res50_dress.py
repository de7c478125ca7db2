_base_ = ['./_base_/deeppose_res50.py']

category = 'dress'
metainfo = dict(from_file=r"""{{fileDirname}}/../../../configs/fashionai/"""
                '_base_/datasets/fashionai_dress.yaml')
model = dict(head=dict(num_joints=15))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
