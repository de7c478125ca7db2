# RTMPose-t for CPU experiments: the demo recipe (res18_all_128_demo.py:
# 128x128 input, all five categories in one model, minutes-long schedule,
# upright-garment augmentation) with RTMPose-t's CSPNeXt-tiny and SimCC
# head, trained from scratch. tools/analysis_tools/benchmark_accuracy.py
# compares it with the demo's other small models.
_base_ = ['./_base_/rtmpose_t.py']
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

# RTMPose's sigma scaled with the input (5.66 bins at 256 pixels)
codec = dict(
    type='SubpixelSimCCLabel',
    input_size=(128, 128),
    sigma=(2.83, 2.83),
    simcc_split_ratio=2.0,
    normalize=False,
    use_dark=False)

model = dict(
    backbone=dict(init_cfg=None),
    head=dict(
        input_size=codec['input_size'],
        in_featuremap_size=(4, 4),  # input / 32
        decoder=codec))

# the demo's augmentation: no photometric or occlusion steps, +-30 degrees
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', rotate_factor=30.0),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=False),
    dict(type='ZeroWeightOutsideInput'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=False),
    dict(type='PackPoseInputs')
]
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)
metainfo = dict(
    from_file=r"""{{fileDirname}}/_base_/datasets/fashionai_all.yaml""")
train_dataloader = dict(
    batch_size=32, dataset=dict(pipeline=train_pipeline, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(pipeline=val_pipeline, metainfo=metainfo))

# The demo's schedule; one pipeline throughout, so no pipeline switch.
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
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='WeightsOnlyCheckpointHook'),
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
]
default_hooks = dict(logger=dict(interval=10))
