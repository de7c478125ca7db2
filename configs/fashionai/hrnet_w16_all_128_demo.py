# A small HRNet for CPU experiments: the demo recipe
# (res18_all_128_demo.py: 128x128 input, all five categories in one model,
# minutes-long schedule) with an HRNet of width 16, one module per stage and
# two blocks per branch, trained from scratch.
# tools/analysis_tools/benchmark_accuracy.py compares it with the half-width
# ResNet-18 of the demo.
_base_ = ['./res18_all_128_demo.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='HRNet',
        in_channels=3,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(2, ),
                num_channels=(32, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(2, 2),
                num_channels=(16, 32)),
            stage3=dict(
                num_modules=1,
                num_branches=3,
                block='BASIC',
                num_blocks=(2, 2, 2),
                num_channels=(16, 32, 64)),
            stage4=dict(
                num_modules=1,
                num_branches=4,
                block='BASIC',
                num_blocks=(2, 2, 2, 2),
                num_channels=(16, 32, 64, 128))),
        init_cfg=None),
    # HRNet's top branch is already at heatmap resolution: no deconvolutions
    head=dict(in_channels=16, deconv_out_channels=None))

# `make demo` trains this model: 18 epochs fit the demo's 15 minutes on a
# 2-core CPU (docs/benchmarks.md measures the choice).
train_cfg = dict(max_epochs=18, val_interval=9)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=18,
        milestones=[15, 17],
        gamma=0.2,
        by_epoch=True)
]
