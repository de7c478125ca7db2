# As res18_all_128_scenes_true_boxes.py, but trained on the detector's own
# boxes of the training images: the model learns on the boxes it is tested
# on, their errors included, instead of perfect ones.
_base_ = ['./res18_all_128_scenes_true_boxes.py']

data_root = 'data/fashionai_scenes/'
train_dataloader = dict(
    dataset=dict(
        bbox_mode='image', bbox_file=data_root + 'train/detections.json'))
