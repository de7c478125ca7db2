_base_ = ['./_base_/densenet201.py']

category = 'skirt'
metainfo = dict(from_file=r"""{{fileDirname}}/../../../configs/fashionai/"""
                '_base_/datasets/fashionai_skirt.yaml')
model = dict(head=dict(out_channels=4))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
