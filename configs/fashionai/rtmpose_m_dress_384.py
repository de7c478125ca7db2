_base_ = ['./_base_/rtmpose_m_384.py']

category = 'dress'
metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_dress.yaml""")
model = dict(head=dict(out_channels=15))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
