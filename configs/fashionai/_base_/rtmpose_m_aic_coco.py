# rtmpose_m.py starting from MMPose's CSPNeXt-m trained for person
# keypoints on AI Challenger + COCO (UDP heatmaps, 256x192), the start of
# MMPose's own RTMPose recipe, instead of ImageNet: the backbone loads.
# Offline: --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth
_base_ = ['./rtmpose_m.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmpose/v1/projects/'
            'rtmposev1/'
            'cspnext-m_udp-aic-coco_210e-256x192-f2f7d6f6_20230130.pth')))
