# RTMPose-t: rtmpose_m.py with CSPNeXt-tiny (depth 0.167, width 0.375).
_base_ = ['./rtmpose_m.py']

model = dict(
    backbone=dict(
        deepen_factor=0.167,
        widen_factor=0.375,
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmdetection/v3.0/'
            'rtmdet/cspnext_rsb_pretrain/'
            'cspnext-tiny_imagenet_600e-3a2dd350.pth')),
    head=dict(in_channels=384))
