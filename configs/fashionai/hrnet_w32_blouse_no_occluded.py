# hrnet_w32_blouse.py trained only on rows without an occluded point (v=0):
# a FashionAI competitor's cleaning rule (docs/label_cleaning.md).
_base_ = ['./hrnet_w32_blouse.py']

train_dataloader = dict(dataset=dict(drop_occluded=True))
