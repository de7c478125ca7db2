# DeepPose-style direct regression (MMPose's RegressionHead): ResNet-50,
# global average pooling, one linear layer to 24 x 2 coordinates in
# fractions of the input. Data, pipelines, runtime and metric are the
# heatmap configs'; only the codec and head change. Leaf configs name the
# category. CollapseDetectionHook warns if the outputs stop following the
# images (the known failure of direct regression).
_base_ = ['../../../../configs/fashionai/_base_/res50.py']
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

custom_imports = dict(
    imports=[
        'fashionai_patches', 'fashionai_dataset',
        'projects.regression_baseline'
    ],
    allow_failed_imports=False)

codec = dict(type='RegressionLabel', input_size=(256, 256))

model = dict(
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        _delete_=True,
        type='RegressionHead',
        in_channels=2048,
        num_joints=24,
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=codec),
    # as MMPose's regression configs: flipped coordinates shift by a pixel
    test_cfg=dict(_delete_=True, flip_test=True, shift_coords=True))

# TopdownAffine without UDP and GenerateTarget with this codec
train_pipeline = pipeline_for_codec(_base_.train_pipeline, codec)
val_pipeline = pipeline_for_codec(_base_.val_pipeline, codec)
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))

custom_hooks = _base_.custom_hooks + [dict(type='CollapseDetectionHook')]

# the top-level codec replaces the base's heatmap codec, not merged into it
codec = dict(codec, _delete_=True)
