_base_ = ['./densenet121_blouse.py']

model = dict(
    backbone=dict(
        depth=169,
        init_cfg=dict(
            type='Pretrained', checkpoint='torchvision://densenet169')),
    head=dict(in_channels=1664))
