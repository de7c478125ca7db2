# hrnet_w48_384.py starting from MMPose's COCO person-keypoint HRNet-W48
# (UDP, 384x288) instead of ImageNet, as the DeepFashion2 winners started:
# the backbone loads (prefix 'backbone.'), the head starts fresh.
# Offline: --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth
_base_ = ['./hrnet_w48_384.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmpose/v1/'
            'body_2d_keypoint/topdown_heatmap/coco/'
            'td-hm_hrnet-w48_udp-8xb32-210e_coco-384x288-70d7ab01_20220913.pth'
        )))
