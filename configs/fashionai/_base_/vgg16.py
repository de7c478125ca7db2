# SimpleBaseline with VGG16 (batch-normalized) in place of the ResNet: one
# of the FashionAI seed's backbones, as MMPose's td-hm_vgg16-bn COCO config
# (the 1/32 feature map, three deconvolutions, a heatmap head).
_base_ = ['./res50.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='VGG',
        depth=16,
        norm_cfg=dict(type='BN'),
        init_cfg=dict(type='Pretrained', checkpoint='mmcls://vgg16_bn')),
    head=dict(in_channels=512))
