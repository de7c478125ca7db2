# vgg16.py with VGG19 (batch-normalized) and its ImageNet weights.
_base_ = ['./vgg16.py']

model = dict(
    backbone=dict(
        depth=19,
        init_cfg=dict(type='Pretrained', checkpoint='mmcls://vgg19_bn')))
