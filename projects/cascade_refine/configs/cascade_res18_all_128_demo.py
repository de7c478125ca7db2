# Both stages for evaluation and prediction: res18_all_128_demo.py on the
# whole image, then stage2_res18_all_128_demo.py on the crop around its
# points. Weights: the stages' checkpoints merged by
# tools/merge_stage_checkpoints.py; data, metric and runtime: stage 1's.
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']

custom_imports = dict(
    imports=[
        'fashionai_patches', 'fashionai_dataset', 'projects.cascade_refine'
    ],
    allow_failed_imports=False)

model = dict(
    _delete_=True,
    type='CascadeTopdownPoseEstimator',
    stage1=_base_.model,
    # stage2_res18_all_128_demo.py trains the demo's own model on crops
    stage2=_base_.model,
    # stage 2's validation pipeline after its crop (CascadeCropJitter)
    crop_pipeline=[
        dict(type='GetBBoxCenterScale', padding=1.0),
        dict(
            type='TopdownAffine',
            input_size=_base_.codec['input_size'],
            use_udp=False),
        dict(type='PackPoseInputs')
    ],
    # stage2_res18_all_128_demo.py's crop_margin
    margin=0.15,
    edge_cells=1.0,
    test_cfg=dict(flip_test=True),
    data_preprocessor=_base_.model.data_preprocessor)

# Stage 1's test pipeline, keeping the full-resolution image that stage 2
# crops from.
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='KeepOriginalImage'),
    dict(type='GetBBoxCenterScale'),
    dict(
        type='TopdownAffine',
        input_size=_base_.codec['input_size'],
        use_udp=False),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'category_id', 'crowd_index',
                   'ori_shape', 'img_shape', 'input_size', 'input_center',
                   'input_scale', 'flip', 'flip_direction', 'flip_indices',
                   'raw_ann_info', 'dataset_name', 'original_img'))
]
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
