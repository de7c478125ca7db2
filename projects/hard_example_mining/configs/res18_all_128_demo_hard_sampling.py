# The demo recipe drawing the hardest quarter of the training images three
# times as often, re-mined after every epoch (the README's CPU measurement).
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']

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
        interval=1,
        begin=1,
        hard_fraction=0.25,
        oversample=3.0)
]
