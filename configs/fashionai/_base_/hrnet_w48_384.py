# HRNet-W48 at 384x384 pixels with UDP heatmaps, the backbone of the
# DeepFashion2 landmark winners: hrnet_w32_384.py with branches of 48, 96,
# 192 and 384 channels and HRNet-W48's ImageNet weights.
_base_ = ['./hrnet_w32_384.py']

model = dict(
    backbone=dict(
        extra=dict(
            stage2=dict(num_channels=(48, 96)),
            stage3=dict(num_channels=(48, 96, 192)),
            stage4=dict(num_channels=(48, 96, 192, 384))),
        init_cfg=dict(checkpoint='https://download.openmmlab.com/mmpose/'
                      'pretrain_models/hrnet_w48-8ef0771d.pth')),
    head=dict(in_channels=48))
