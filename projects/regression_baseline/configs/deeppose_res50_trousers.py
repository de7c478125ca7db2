_base_ = ['./_base_/deeppose_res50.py']

category = 'trousers'
metainfo = dict(from_file=r"""{{fileDirname}}/../../../configs/fashionai/"""
                '_base_/datasets/fashionai_trousers.yaml')
model = dict(head=dict(num_joints=7))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
