_base_ = ['./_base_/hrnet_w32_384.py']

category = 'skirt'
metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_skirt.yaml""")
model = dict(head=dict(out_channels=4))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
