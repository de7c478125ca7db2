# Codec, pipelines and model wrapper of the FashionAI top-down heatmap
# configs (data and loaders: fashionai_data.py).
# The model comes from a family file (hrnet_w32.py, res50.py, cpm.py), the
# category from the leaf config.
_base_ = ['./fashionai_data.py']

# FashionAI images are square (512x512, a few with a shorter side), so the
# input is square too. UDP: the lowest NE floor measured by
# tools/analysis_tools/benchmark_codec.py (plain MSRAHeatmap decoding alone
# costs 2.7% NE at 256 pixels, UDP 0.000%).
codec = dict(
    type='UDPHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

# What every FashionAI heatmap model shares; family files add the backbone
# and head. Flip test averages with the mirrored image, swapping each
# category's own left/right pairs.
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    # UDP's flip needs no heatmap shift (MMPose's UDP configs likewise)
    test_cfg=dict(
        flip_test=True,
        flip_mode='heatmap',
        shift_heatmap=False,
    ))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=True),
    # color, contrast, blur and noise, as the FashionAI solutions used
    dict(type='PhotometricDistortion'),
    dict(type='RandomGaussianBlur', prob=0.1),
    dict(type='RandomGaussianNoise', prob=0.1),
    # points the shift/scale/rotation pushed off the input get no target
    dict(type='ZeroWeightOutsideInput'),
    # a dataset's keypoint_weight (pseudo-labels, *_pseudo.py) reaches the
    # loss; labelled datasets weigh 1
    dict(
        type='GenerateTarget',
        encoder=codec,
        use_dataset_keypoint_weights=True),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=True),
    dict(type='PackPoseInputs')
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
