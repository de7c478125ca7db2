# res50.py (ResNet-50) at 512x512 pixels: the heatmap stays a quarter of
# the input and sigma grows with it (2 at 256 pixels), as in MMPose's
# larger configs. Leaf configs name the category.
_base_ = ['./res50.py']
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

codec = dict(
    type='UDPHeatmap', input_size=(512, 512), heatmap_size=(128, 128), sigma=4)
model = dict(head=dict(decoder=codec))

# The base pipelines captured the 256-pixel codec: TopdownAffine and
# GenerateTarget take this one, and the dataloaders the new pipelines.
train_pipeline = pipeline_for_codec(_base_.train_pipeline, codec)
val_pipeline = pipeline_for_codec(_base_.val_pipeline, codec)
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
