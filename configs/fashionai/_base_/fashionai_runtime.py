# Runtime and schedule shared by every FashionAI config: MMPose's COCO
# top-down recipe (Adam 5e-4, linear warm-up, step decay at 170/200 of 210
# epochs), keeping the checkpoint with the lowest FashionAI NE.
_base_ = ['mmpose::_base_/default_runtime.py']

# fashionai_patches closes the pinned stack's run-time gaps (mmcv-lite's
# missing ops, weights-only checkpoint loading for every scheme, CPU
# distributed runs); fashionai_dataset then registers FashionAIDataset,
# FashionAIMetric and the rest before anything is built.
custom_imports = dict(
    imports=['fashionai_patches', 'fashionai_dataset'],
    allow_failed_imports=False)

train_cfg = dict(max_epochs=210, val_interval=10)

optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))

param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=500, start_factor=0.001,
        by_epoch=False),  # warm-up
    dict(
        type='MultiStepLR',
        begin=0,
        end=210,
        milestones=[170, 200],
        gamma=0.1,
        by_epoch=True)
]

# the learning rate above is for 8 GPUs x 64 images
auto_scale_lr = dict(base_batch_size=512)

# SyncBuffersHook as in MMPose's runtime; WeightsOnlyCheckpointHook makes the
# checkpoints load with torch.load(weights_only=True).
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='WeightsOnlyCheckpointHook'),
]

# atomic_local: a run killed while saving never leaves a truncated checkpoint
default_hooks = dict(
    checkpoint=dict(
        save_best='fashionai/NE',
        rule='less',
        max_keep_ckpts=3,
        backend_args=dict(backend='atomic_local')))
