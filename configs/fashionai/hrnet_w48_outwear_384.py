_base_ = ['./_base_/hrnet_w48_384.py']

category = 'outwear'
metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_outwear.yaml""")
model = dict(head=dict(out_channels=14))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
