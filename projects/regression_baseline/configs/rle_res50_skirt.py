# Residual log-likelihood estimation (Li et al., ICCV 2021): the DeepPose
# config with MMPose's RLEHead, which also predicts each point's spread.
_base_ = ['./deeppose_res50_skirt.py']

model = dict(
    head=dict(
        type='RLEHead', loss=dict(type='RLELoss', use_target_weight=True)))
