# rtmpose_m.py (RTMPose-m) at 384x384 pixels: sigma grows with the input
# (5.66 bins at 256, as MMPose's 384x288 RTMPose configs scale it) and the
# head's feature map is input / 32. Leaf configs name the category.
_base_ = ['./rtmpose_m.py']
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

codec = dict(
    type='SubpixelSimCCLabel',
    input_size=(384, 384),
    sigma=(8.49, 8.49),
    simcc_split_ratio=2.0,
    normalize=False,
    use_dark=False)
model = dict(
    head=dict(
        input_size=codec['input_size'],
        in_featuremap_size=(12, 12),
        decoder=codec))

# The base pipelines captured the 256-pixel codec: TopdownAffine and
# GenerateTarget take this one, and the dataloaders and the pipeline
# switch the new pipelines.
train_pipeline = pipeline_for_codec(_base_.train_pipeline, codec)
train_pipeline_stage2 = pipeline_for_codec(_base_.train_pipeline_stage2, codec)
val_pipeline = pipeline_for_codec(_base_.val_pipeline, codec)
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='WeightsOnlyCheckpointHook'),
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(
        type='mmdet.PipelineSwitchHook',
        switch_epoch=180,
        switch_pipeline=train_pipeline_stage2)
]
