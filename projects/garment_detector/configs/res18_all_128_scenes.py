# The demo's half-width ResNet-18 (configs/fashionai/res18_all_128_demo.py)
# on the synthetic scenes, whole image as the box: the baseline that a
# garment detector has to beat (the project README's scene table).
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']

data_root = 'data/fashionai_scenes/'
train_dataloader = dict(dataset=dict(data_root=data_root + 'train/'))
val_dataloader = dict(dataset=dict(data_root=data_root + 'val/'))
test_dataloader = val_dataloader
