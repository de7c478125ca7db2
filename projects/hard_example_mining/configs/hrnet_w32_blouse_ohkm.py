# Online hard keypoint mining (Chen et al., CPN, CVPR 2018): MMPose's
# KeypointOHKMMSELoss keeps, per image, only the topk points with the
# largest loss. Otherwise configs/fashionai/hrnet_w32_blouse.py.
_base_ = ['../../../configs/fashionai/hrnet_w32_blouse.py']

model = dict(
    head=dict(
        loss=dict(type='KeypointOHKMMSELoss', use_target_weight=True, topk=8)))
