# Stage 2 of the cascade: the demo recipe
# (configs/fashionai/res18_all_128_demo.py) trained on crops around the
# ground-truth points, jittered like the stage-1 model's errors. The crop
# covers about two thirds of a 512-pixel image, so the 128-pixel input sees
# the garment at about 1.5 times stage 1's resolution.
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']
from projects.cascade_refine.cascade_config import \
    stage2_pipelines  # noqa: E402

custom_imports = dict(
    imports=['fashionai_dataset', 'projects.cascade_refine'],
    allow_failed_imports=False)

# RMS error of res18_all_128_demo (benchmark protocol, 5 epochs) on the
# validation split, as a fraction of the garment's extent: printed by
# projects/cascade_refine/tools/measure_stage1_error.py
stage1_error = 0.214
# added to each side of the crop, as a fraction of its longer side
crop_margin = 0.15
train_pipeline, val_pipeline = stage2_pipelines(_base_, stage1_error,
                                                crop_margin)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
