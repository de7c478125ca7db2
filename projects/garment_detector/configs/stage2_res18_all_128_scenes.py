# The cascade's stage 2 (projects/cascade_refine) on the synthetic scenes:
# stage2_res18_all_128_demo.py with the scene data and the jitter of the
# whole-image scene model's measured error. Used by the scene table's two
# cascade rows (after the whole-image model, and after the detector-box
# model, whose error is smaller: one stage 2 serves both).
_base_ = ['../../cascade_refine/configs/stage2_res18_all_128_demo.py']

data_root = 'data/fashionai_scenes/'
# RMS error of res18_all_128_scenes.py (5 epochs) on the scene validation
# split, as a fraction of the garment's extent: printed by
# projects/cascade_refine/tools/measure_stage1_error.py
stage1_error = 0.511
crop_margin = 0.15

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
train_dataloader = dict(
    dataset=dict(data_root=data_root + 'train/', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root + 'val/'))
test_dataloader = val_dataloader
