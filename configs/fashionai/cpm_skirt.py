_base_ = ['./_base_/cpm.py']

category = 'skirt'
metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_skirt.yaml""")
model = dict(
    backbone=dict(out_channels=4), head=dict(in_channels=4, out_channels=4))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
