# Convolutional Pose Machine, 6 stages, trained from scratch (MMPose's COCO
# CPM recipe). Its output stride is 8, so its heatmaps are 32x32.
_base_ = ['./fashionai_topdown_heatmap.py']
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

codec = dict(
    type='UDPHeatmap', input_size=(256, 256), heatmap_size=(32, 32), sigma=2)

# The base pipelines captured the 64x64 codec: GenerateTarget takes this one
# and the dataloaders the new pipelines, or the override would be ignored.
train_pipeline = pipeline_for_codec(_base_.train_pipeline, codec)
val_pipeline = pipeline_for_codec(_base_.val_pipeline, codec)
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))

model = dict(
    backbone=dict(
        type='CPM',
        in_channels=3,
        out_channels=24,
        feat_channels=128,
        num_stages=6),
    head=dict(
        type='CPMHead',
        in_channels=24,
        out_channels=24,
        num_stages=6,
        deconv_out_channels=None,
        final_layer=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec))
