# configs/fashionai/hrnet_w32_blouse.py drawing the quarter of the training
# images with the largest NE three times as often, re-mined every 10 epochs
# (each mining pass predicts the whole training set once).
_base_ = ['../../../configs/fashionai/hrnet_w32_blouse.py']

custom_imports = dict(
    imports=[
        'fashionai_patches', 'fashionai_dataset',
        'projects.hard_example_mining'
    ],
    allow_failed_imports=False)

train_dataloader = dict(sampler=dict(_delete_=True, type='HardExampleSampler'))
custom_hooks = _base_.custom_hooks + [
    dict(
        type='HardExampleMiningHook',
        interval=10,
        begin=10,
        hard_fraction=0.25,
        oversample=3.0)
]
