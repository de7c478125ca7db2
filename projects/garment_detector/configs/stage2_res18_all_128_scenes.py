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
# the base's training pipeline with this stage1_error
train_pipeline = [
    dict(step, stage1_error=stage1_error)
    if step['type'] == 'CascadeCropJitter' else step
    for step in _base_.train_pipeline
]
train_dataloader = dict(
    dataset=dict(data_root=data_root + 'train/', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root + 'val/'))
test_dataloader = val_dataloader
