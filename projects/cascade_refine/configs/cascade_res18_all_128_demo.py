# Both stages for evaluation and prediction: res18_all_128_demo.py on the
# whole image, then stage2_res18_all_128_demo.py on the crop around its
# points. Weights: the stages' checkpoints merged by
# tools/merge_stage_checkpoints.py; data, metric and runtime: stage 1's.
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']
from projects.cascade_refine.cascade_config import \
    cascade_overrides  # noqa: E402

custom_imports = dict(
    imports=['fashionai_dataset', 'projects.cascade_refine'],
    allow_failed_imports=False)

model, val_dataloader, test_dataloader = cascade_overrides(
    _base_,
    stage1='{{fileDirname}}/../../../configs/fashionai/res18_all_128_demo.py',
    stage2='{{fileDirname}}/stage2_res18_all_128_demo.py')
