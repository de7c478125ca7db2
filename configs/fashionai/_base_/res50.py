# SimpleBaseline: ResNet-50 with three deconvolution layers (MMPose's COCO
# res50 recipe).
_base_ = ['./fashionai_topdown_heatmap.py']

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
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
        decoder=_base_.codec),
    test_cfg=dict(
        flip_test=True,
        flip_mode='heatmap',
        shift_heatmap=True,
    ))
