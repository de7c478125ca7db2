# Detector, then the cascade: stage 1 is res18_all_128_scenes_detector_boxes
# .py on the detector's best box, stage 2 stage2_res18_all_128_scenes.py on
# the crop around stage 1's points. Weights: both checkpoints merged by
# merge_stage_checkpoints.py.
_base_ = ['./cascade_res18_all_128_scenes.py']

data_root = 'data/fashionai_scenes/'
val_dataloader = dict(
    dataset=dict(bbox_file=data_root + 'val/detections.json'))
test_dataloader = val_dataloader
