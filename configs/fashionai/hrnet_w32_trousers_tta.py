# hrnet_w32_trousers.py on its tta_pipeline's views (same checkpoint)
_base_ = ['./hrnet_w32_trousers.py']

model = dict(_delete_=True, type='FashionAITTAModel', module=_base_.model)
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
