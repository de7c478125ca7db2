# SimpleBaseline: ResNet-50 with three deconvolution layers (MMPose's COCO
# res50 recipe).
_base_ = ['./fashionai_topdown_heatmap.py']

model = dict(
    backbone=dict(
        type='ResNet',
        depth=50,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'),
    ),
    head=dict(
        type='HeatmapHead',
        in_channels=2048,
        out_channels=24,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=_base_.codec))
