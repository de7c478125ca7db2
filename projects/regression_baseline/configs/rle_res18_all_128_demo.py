# deeppose_res18_all_128_demo.py with MMPose's RLEHead and RLE loss.
_base_ = ['./deeppose_res18_all_128_demo.py']

model = dict(
    head=dict(
        type='RLEHead', loss=dict(type='RLELoss', use_target_weight=True)))
