# hrnet_w32_dress.py tested on several views of each image (tta_pipeline in
# _base_/fashionai_data.py: the box at 0.9, 1.0 and 1.1, each
# with flip test), averaged in original-image pixels. Same checkpoint:
# mim test mmpose THIS_CONFIG --checkpoint <hrnet_w32_dress checkpoint>
_base_ = ['./hrnet_w32_dress.py']

model = dict(_delete_=True, type='FashionAITTAModel', module=_base_.model)
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
