# RTMPose-m (MMPose's RTMPose recipe): CSPNeXt backbone, RTMCC head,
# SimCC coordinate classification with KL loss, AdamW with a cosine tail,
# EMA weights, and a milder second-stage pipeline for the last 30 epochs.
# Leaf configs name the category; rtmpose_t.py and rtmpose_s.py change the
# width and depth.
_base_ = ['./fashionai_data.py']
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

# MMPose's RTMPose schedule for COCO is 420 epochs; FashionAI's category
# sets are 20-50 times smaller and the heatmap configs here train 210.
max_epochs = 210
stage2_num_epochs = 30
base_lr = 4e-3

train_cfg = dict(max_epochs=max_epochs, val_interval=10)

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1.0e-5,
        by_epoch=False,
        begin=0,
        end=1000),
    dict(
        # cosine from half-way to the end
        type='CosineAnnealingLR',
        eta_min=base_lr * 0.05,
        begin=max_epochs // 2,
        end=max_epochs,
        T_max=max_epochs // 2,
        by_epoch=True,
        convert_to_iter_based=True),
]

# the learning rate above is for 1024 images per step (MMPose's)
auto_scale_lr = dict(base_batch_size=1024)

# SubpixelSimCCLabel, not MMPose's SimCCLabel: the same labels centred at
# the exact position and decoded by a parabola fit. SimCCLabel rounds to a
# half-pixel grid, 0.3% NE on its own at 256 pixels (docs/benchmarks.md).
codec = dict(
    type='SubpixelSimCCLabel',
    input_size=(256, 256),
    sigma=(5.66, 5.66),
    simcc_split_ratio=2.0,
    normalize=False,
    use_dark=False)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        _scope_='mmdet',
        type='CSPNeXt',
        arch='P5',
        expand_ratio=0.5,
        deepen_factor=0.67,
        widen_factor=0.75,
        out_indices=(4, ),
        channel_attention=True,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='SiLU'),
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmdetection/v3.0/'
            'rtmdet/cspnext_rsb_pretrain/'
            'cspnext-m_8xb256-rsb-a1-600e_in1k-ecb3bbd9.pth')),
    head=dict(
        # RTMCCHead with its flip test aligned to the bin grid
        type='FlipAlignedRTMCCHead',
        in_channels=768,
        out_channels=24,
        input_size=codec['input_size'],
        in_featuremap_size=(8, 8),  # input / 32
        simcc_split_ratio=codec['simcc_split_ratio'],
        final_layer_kernel_size=7,
        gau_cfg=dict(
            hidden_dims=256,
            s=128,
            expansion_factor=2,
            dropout_rate=0.,
            drop_path=0.,
            act_fn='SiLU',
            use_rel_bias=False,
            pos_enc=False),
        loss=dict(
            type='KLDiscretLoss',
            use_target_weight=True,
            beta=10.,
            label_softmax=True),
        decoder=codec),
    test_cfg=dict(flip_test=True))

# RTMPose's augmentation without RandomHalfBody (a human-body split). The
# albumentations steps have registered equivalents (RandomBoxBlur,
# RandomMedianBlur, CoarseDropout: the package cannot be installed beside
# this project's numpy and OpenCV).
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform', scale_factor=[0.6, 1.4], rotate_factor=80),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=False),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(type='RandomBoxBlur', prob=0.1),
    dict(type='RandomMedianBlur', prob=0.1),
    dict(type='CoarseDropout', prob=1.0, size_range=(0.2, 0.4)),
    dict(type='ZeroWeightOutsideInput'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_pipeline_stage2 = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.,
        scale_factor=[0.75, 1.25],
        rotate_factor=60),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=False),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(type='RandomBoxBlur', prob=0.1),
    dict(type='RandomMedianBlur', prob=0.1),
    dict(type='CoarseDropout', prob=0.5, size_range=(0.2, 0.4)),
    dict(type='ZeroWeightOutsideInput'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=False),
    dict(type='PackPoseInputs')
]
# the test-time views (fashionai_data.py) warped as val_pipeline warps
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)

train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))

# The runtime's two hooks, then RTMPose's EMA and pipeline switch.
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='WeightsOnlyCheckpointHook'),
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(
        type='mmdet.PipelineSwitchHook',
        switch_epoch=max_epochs - stage2_num_epochs,
        switch_pipeline=train_pipeline_stage2)
]
