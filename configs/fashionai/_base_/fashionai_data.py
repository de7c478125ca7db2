# Data of every FashionAI top-down config: the competition's CSV and image
# layout, the test-time views, the loaders and the metric. Model families
# add the codec, the model and the pipelines (fashionai_topdown_heatmap.py,
# rtmpose_m.py) and hand the pipelines to the loaders.
_base_ = ['./fashionai_runtime.py']

dataset_type = 'FashionAIDataset'
data_mode = 'topdown'
# The competition's own layout (docs/data_format.md):
# <split>/Images/<category>/<id>.jpg
data_root = 'data/fashionai/'

# Test-time augmentation, used by the *_tta.py configs: the instance box at
# 0.9, 1.0 and 1.1 of its size, each view with the model's own flip test;
# FashionAITTAModel maps each view's points back to the image and averages
# them. bbox_rotation is packed so that rotated views (BBoxView(rotation=))
# can be undone. The warp is the 256-pixel UDP heatmap configs'; a family or
# size with another codec rebuilds it with pipeline_for_codec.
tta_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='BBoxView', scale_factor=0.9),
                dict(type='BBoxView', scale_factor=1.0),
                dict(type='BBoxView', scale_factor=1.1),
            ],
            [dict(type='TopdownAffine', input_size=(256, 256), use_udp=True)],
            [
                dict(
                    type='PackPoseInputs',
                    meta_keys=('id', 'img_id', 'img_path', 'category_id',
                               'crowd_index', 'ori_shape', 'img_shape',
                               'input_size', 'input_center', 'input_scale',
                               'flip', 'flip_direction', 'flip_indices',
                               'raw_ann_info', 'dataset_name',
                               'bbox_rotation'))
            ],
        ])
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        category='all',
        data_root=data_root + 'train/',
        data_mode=data_mode,
        ann_file='Annotations/train.csv',
        data_prefix=dict(img=''),
        pipeline=[],
    ))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        category='all',
        data_root=data_root + 'val/',
        data_mode=data_mode,
        ann_file='Annotations/val.csv',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=[],
    ))
test_dataloader = val_dataloader

# Pseudo-labels (tools/pseudo_label.py) of unlabelled images, used by the
# *_pseudo.py configs beside the labelled training set: decimal pixels, and
# half the loss weight of a labelled point (pseudo-labels are a model's
# guesses). The configs README says how to point it at another file.
pseudo_labelled_dataset = dict(
    type=dataset_type,
    category='all',
    data_root=data_root + 'unlabelled/',
    data_mode=data_mode,
    ann_file='Annotations/pseudo_labels.csv',
    data_prefix=dict(img=''),
    allow_decimal=True,
    keypoint_weight=0.5,
    pipeline=[],
)

val_evaluator = dict(type='FashionAIMetric')
test_evaluator = val_evaluator
