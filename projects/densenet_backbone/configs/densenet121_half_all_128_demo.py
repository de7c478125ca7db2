# The demo recipe (configs/fashionai/res18_all_128_demo.py) with a
# half-width DenseNet-121 (growth rate 16, 32 stem channels; 512 output
# channels) in place of the half-width ResNet-18, from scratch: the CPU
# comparison of the two backbones in this project's README.
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']

custom_imports = dict(
    imports=[
        'fashionai_patches', 'fashionai_dataset', 'projects.densenet_backbone'
    ],
    allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='DenseNet',
        depth=121,
        growth_rate=16,
        num_init_features=32,
        init_cfg=None),
    head=dict(in_channels=512))
