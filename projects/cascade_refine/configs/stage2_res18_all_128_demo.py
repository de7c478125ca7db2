# Stage 2 of the cascade: the demo recipe
# (configs/fashionai/res18_all_128_demo.py) trained on crops around the
# ground-truth points, jittered like the stage-1 model's errors. The crop
# covers about two thirds of a 512-pixel image, so the 128-pixel input sees
# the garment at about 1.5 times stage 1's resolution.
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']

custom_imports = dict(
    imports=[
        'fashionai_patches', 'fashionai_dataset', 'projects.cascade_refine'
    ],
    allow_failed_imports=False)

# RMS error of res18_all_128_demo (benchmark protocol, 5 epochs) on the
# validation split, as a fraction of the garment's extent: printed by
# projects/cascade_refine/tools/measure_stage1_error.py
stage1_error = 0.214
# added to each side of the crop, as a fraction of its longer side
crop_margin = 0.15

# The demo's pipelines on crops: CascadeCropJitter sets the box (so
# GetBBoxCenterScale adds no padding of its own), and its jitter, sized like
# stage 1's error, takes the place of RandomBBoxTransform's shift and scale.
# Validation crops are the true points' crops.
train_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='CascadeCropJitter',
        stage1_error=stage1_error,
        margin=crop_margin),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        rotate_factor=30.0,
        shift_prob=0.0,
        scale_prob=0.0),
    dict(
        type='TopdownAffine',
        input_size=_base_.codec['input_size'],
        use_udp=False),
    dict(type='ZeroWeightOutsideInput'),
    dict(type='GenerateTarget', encoder=_base_.codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='CascadeCropJitter', margin=crop_margin),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(
        type='TopdownAffine',
        input_size=_base_.codec['input_size'],
        use_udp=False),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
