_base_ = ['./_base_/rtmpose_t.py']

category = 'trousers'
metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_trousers.yaml""")
model = dict(head=dict(out_channels=7))
train_dataloader = dict(dataset=dict(category=category, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(category=category, metainfo=metainfo))
