# RTMDet-tiny finding the garment and its category (five classes) at a
# 320-pixel input, trained by mmdet's own runner (`mim train mmdet` with
# this file; the project README says how to test it).
# mmdet's recipe (AdamW, mosaic and mixup, then a milder last stage, EMA);
# what differs: the input size, BN instead of SyncBN (one process on a CPU
# works too), the epochs, and the data: boxes come from the FashionAI CSV.
_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'

custom_imports = dict(
    imports=[
        'fashionai_patches', 'fashionai_dataset', 'projects.garment_detector'
    ],
    allow_failed_imports=False)

dataset_type = 'FashionAIGarmentDataset'
data_root = 'data/fashionai/'
img_scale = (320, 320)

model = dict(
    backbone=dict(norm_cfg=dict(type='BN')),
    neck=dict(norm_cfg=dict(type='BN')),
    bbox_head=dict(num_classes=5, norm_cfg=dict(type='BN')))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='CachedMosaic',
        img_scale=img_scale,
        pad_val=114.0,
        max_cached_images=20,
        random_pop=False),
    dict(
        type='RandomResize',
        scale=(640, 640),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=img_scale),
    dict(type='YOLOXHSVRandomAug'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(
        type='CachedMixUp',
        img_scale=img_scale,
        ratio_range=(1.0, 1.0),
        max_cached_images=10,
        random_pop=False,
        pad_val=(114, 114, 114),
        prob=0.5),
    dict(type='PackDetInputs')
]
train_pipeline_stage2 = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
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
    # 'instances': the CSV's boxes, which CocoMetric scores against when it
    # has no COCO json
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'instances'))
]

# The competition's layout: <split>/Images/<category>/<id>.jpg, boxes from
# the annotated points grown by 5% of their extent on each side.
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    pin_memory=False,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root + 'train/',
        ann_file='Annotations/train.csv',
        data_prefix=dict(img=''),
        box_margin=0.05,
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root + 'val/',
        ann_file='Annotations/val.csv',
        data_prefix=dict(img=''),
        box_margin=0.05,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# no COCO json: mmdet's metric converts the dataset's boxes itself
val_evaluator = dict(
    _delete_=True,
    type='CocoMetric',
    metric='bbox',
    proposal_nums=(100, 1, 10),
    format_only=False)
test_evaluator = val_evaluator

max_epochs = 40
stage2_num_epochs = 5
base_lr = 0.004
interval = 5
train_cfg = dict(
    max_epochs=max_epochs,
    val_interval=interval,
    dynamic_intervals=[(max_epochs - stage2_num_epochs, 1)])
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
default_hooks = dict(
    checkpoint=dict(
        interval=interval, max_keep_ckpts=2, save_best='coco/bbox_mAP'))
# checkpoints that load with torch's weights_only=True, as the pose configs
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(
        type='PipelineSwitchHook',
        switch_epoch=max_epochs - stage2_num_epochs,
        switch_pipeline=train_pipeline_stage2),
    dict(type='mmpose.WeightsOnlyCheckpointHook'),
]
auto_scale_lr = dict(enable=False, base_batch_size=16)
