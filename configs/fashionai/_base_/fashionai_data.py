# Data of every FashionAI top-down config: the competition's CSV and image
# layout, the loaders and the metric. Model families add the codec, the
# model and the pipelines (fashionai_topdown_heatmap.py, rtmpose_m.py) and
# hand the pipelines to the loaders.
_base_ = ['./fashionai_runtime.py']

dataset_type = 'FashionAIDataset'
data_mode = 'topdown'
# The competition's own layout (docs/data_format.md):
# <split>/Images/<category>/<id>.jpg
data_root = 'data/fashionai/'

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

val_evaluator = dict(type='FashionAIMetric')
test_evaluator = val_evaluator
