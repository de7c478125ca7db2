_base_ = ['./_base_/vgg16.py']

category = 'blouse'
metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_blouse.yaml""")
model = dict(head=dict(out_channels=13))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
