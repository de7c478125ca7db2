# The cascade (projects/cascade_refine) on the synthetic scenes: stage 1 is
# res18_all_128_scenes.py on the whole image, stage 2
# stage2_res18_all_128_scenes.py on the crop around its points. Weights:
# both checkpoints merged by merge_stage_checkpoints.py.
_base_ = ['../../cascade_refine/configs/cascade_res18_all_128_demo.py']

data_root = 'data/fashionai_scenes/'
val_dataloader = dict(dataset=dict(data_root=data_root + 'val/'))
test_dataloader = val_dataloader
