# The demo recipe with online hard keypoint mining (the README's CPU
# measurement). Eight of at most 15 points per image carry the loss.
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']

model = dict(
    head=dict(
        loss=dict(type='KeypointOHKMMSELoss', use_target_weight=True, topk=8)))
