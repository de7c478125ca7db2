# hrnet_w32.py starting from MMPose's COCO person-keypoint HRNet-W32 (UDP,
# 256x192) instead of ImageNet: the backbone loads (prefix 'backbone.'), the
# 17-keypoint head does not and starts fresh with the category's outputs.
# Offline: --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth
_base_ = ['./hrnet_w32.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmpose/v1/'
            'body_2d_keypoint/topdown_heatmap/coco/'
            'td-hm_hrnet-w32_udp-8xb64-210e_coco-256x192-73ede547_20220914.pth'
        )))
