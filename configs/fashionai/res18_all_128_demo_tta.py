# res18_all_128_demo.py tested on several views of each image (its
# tta_pipeline: the box at 0.9, 1.0 and 1.1, each with flip test), averaged
# in original-image pixels. Same checkpoint as res18_all_128_demo.py.
_base_ = ['./res18_all_128_demo.py']

model = dict(_delete_=True, type='FashionAITTAModel', module=_base_.model)
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
