# DenseNet-201 (1920 output channels), the deepest DenseNet the FashionAI
# seed tried: densenet121.py with the deeper backbone and its ImageNet
# weights.
_base_ = ['./densenet121.py']

model = dict(
    backbone=dict(
        depth=201,
        init_cfg=dict(
            type='Pretrained', checkpoint='torchvision://densenet201')),
    head=dict(in_channels=1920))
