# SimpleBaseline with a DenseNet-121 backbone: the res50 family file with
# the backbone swapped (three deconvolutions on the 1/32 feature map, as
# for ResNet-50). Leaf configs name the category.
_base_ = ['../../../../configs/fashionai/_base_/res50.py']

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
        init_cfg=dict(
            type='Pretrained', checkpoint='torchvision://densenet121')),
    head=dict(in_channels=1024))
