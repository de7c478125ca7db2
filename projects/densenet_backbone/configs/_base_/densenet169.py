# DenseNet-169 (1664 output channels): densenet121.py with the deeper
# backbone and its ImageNet weights.
_base_ = ['./densenet121.py']

model = dict(
    backbone=dict(
        depth=169,
        init_cfg=dict(
            type='Pretrained', checkpoint='torchvision://densenet169')),
    head=dict(in_channels=1664))
