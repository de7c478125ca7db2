# RTMPose-s: rtmpose_m.py with CSPNeXt-s (depth 0.33, width 0.5).
_base_ = ['./rtmpose_m.py']

model = dict(
    backbone=dict(
        deepen_factor=0.33,
        widen_factor=0.5,
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmdetection/v3.0/'
            'rtmdet/cspnext_rsb_pretrain/'
            'cspnext-s_imagenet_600e-ea671761.pth')),
    head=dict(in_channels=512))
