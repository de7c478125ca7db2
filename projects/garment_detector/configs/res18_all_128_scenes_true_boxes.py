# The scene model on the garment's box: trained on the true box (the
# annotated points' extent grown by 5% on each side, the box the detector is
# trained to find), validated and tested on the detector's best box of each
# image's category, read from the detection files tools/detect.py writes
# (see the project README). MMPose's own padding (1.25) and every box
# trusted: the project README's table measured a larger padding and a score
# threshold that lose fewer points, and a higher NE.
_base_ = ['./res18_all_128_scenes.py']

data_root = 'data/fashionai_scenes/'
train_dataloader = dict(dataset=dict(bbox_mode='keypoints', bbox_padding=0.05))
val_dataloader = dict(
    dataset=dict(bbox_file=data_root + 'val/detections.json'))
test_dataloader = val_dataloader
