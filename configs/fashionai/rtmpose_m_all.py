# One RTMPose-m for all five categories: 24 outputs; a point a category
# does not define has zero target weight for its images (as hrnet_w32_all.py).
_base_ = ['./_base_/rtmpose_m.py']

metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_all.yaml""")
train_dataloader = dict(dataset=dict(metainfo=metainfo))
val_dataloader = test_dataloader = dict(dataset=dict(metainfo=metainfo))
