# The garment detector on the synthetic scenes (`tools/make_synthetic.py
# --scenes`: a smaller garment anywhere in a cluttered picture, half of the
# time beside a second, unlabelled garment), with a recipe that learns on a
# CPU from scratch in about 20 minutes: a 192-pixel input (the garment still
# spans 75-135 pixels there), no mosaic or mixup (they pay off over
# hundreds of epochs; eight epochs of the shipped recipe reached box mAP
# 0.006 here), 16 epochs with the cosine decay over the last half. The
# project README's scene table was measured with this file.
_base_ = ['./rtmdet_tiny_garment_320.py']

data_root = 'data/fashionai_scenes/'
img_scale = (192, 192)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.75, 1.25),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=img_scale),
    dict(type='YOLOXHSVRandomAug'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'instances'))
]

train_dataloader = dict(
    dataset=dict(data_root=data_root + 'train/', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root + 'val/', pipeline=test_pipeline))
test_dataloader = val_dataloader

max_epochs = 16
base_lr = 0.004
interval = 4
train_cfg = dict(
    max_epochs=max_epochs, val_interval=interval, dynamic_intervals=None)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1.0e-5, by_epoch=False, begin=0,
        end=200),
    dict(
        type='CosineAnnealingLR',
        eta_min=base_lr * 0.05,
        begin=max_epochs // 2,
        end=max_epochs,
        T_max=max_epochs // 2,
        by_epoch=True,
        convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=interval))
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(type='mmpose.WeightsOnlyCheckpointHook'),
]
