# The demo recipe (configs/fashionai/res18_all_128_demo.py: half-width
# ResNet-18, 128 x 128, all categories, minutes-long schedule) with the
# DeepPose regression head in place of the heatmap head: the CPU
# comparison in this project's README.
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

custom_imports = dict(
    imports=[
        'fashionai_patches', 'fashionai_dataset',
        'projects.regression_baseline'
    ],
    allow_failed_imports=False)

codec = dict(type='RegressionLabel', input_size=(128, 128))

model = dict(
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        _delete_=True,
        type='RegressionHead',
        in_channels=256,
        num_joints=24,
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=codec),
    # as MMPose's regression configs: flipped coordinates shift by a pixel
    test_cfg=dict(_delete_=True, flip_test=True, shift_coords=True))

train_pipeline = pipeline_for_codec(_base_.train_pipeline, codec)
val_pipeline = pipeline_for_codec(_base_.val_pipeline, codec)
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))

custom_hooks = _base_.custom_hooks + [dict(type='CollapseDetectionHook')]

# the top-level codec replaces the base's heatmap codec, not merged into it
codec = dict(codec, _delete_=True)
