# One HRNet-W32 for all five categories: 24 outputs; a point a category
# does not define has zero target weight for its images, and the metric and
# submissions ignore it. The category configs are the alternative.
_base_ = ['./_base_/hrnet_w32.py']

metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_all.yaml""")
train_dataloader = dict(dataset=dict(metainfo=metainfo))
val_dataloader = test_dataloader = dict(dataset=dict(metainfo=metainfo))
