# HRNet-W32 and SimpleBaseline ResNet-50 for blouses, averaged: both predict
# 64x64 UDP heatmaps of a 256-pixel input, so their flip-averaged heatmaps
# are averaged and decoded once. Data, test pipeline, metric: hrnet_w32's.
# Weights, the members' in this order:
#   python tools/merge_checkpoints.py HRNET.pth RES50.pth -o ensemble.pth
#   mim test mmpose THIS_CONFIG --checkpoint ensemble.pth
_base_ = ['./hrnet_w32_blouse.py']

model = dict(
    _delete_=True,
    type='PoseEnsemble',
    members=[
        _base_.model,
        # res50_blouse.py's model
        dict(
            _base_.model,
            backbone=dict(
                type='ResNet',
                depth=50,
                init_cfg=dict(
                    type='Pretrained', checkpoint='torchvision://resnet50')),
            head=dict(
                _base_.model.head,
                in_channels=2048,
                deconv_out_channels=(256, 256, 256),
                deconv_kernel_sizes=(4, 4, 4))),
    ],
    weights=[1.0, 1.0])
