# hrnet_w32_blouse.py on the fast training path: mixed precision,
# channels_last, cudnn benchmark and 128 images per GPU with the learning
# rate scaled to the total batch.
_base_ = ['./hrnet_w32_blouse.py']

# bf16 on GPUs that have it (fp16 with loss scaling on older ones, bf16 CPU
# autocast without a GPU): chosen when the runner builds the wrapper, so
# this file means the same on every machine
optim_wrapper = dict(type='MixedPrecisionOptimWrapper')
env_cfg = dict(cudnn_benchmark=True)
# the base learning rate is for 8 GPUs x 64 images (auto_scale_lr in
# fashionai_runtime.py); enabled, it follows the batch below
auto_scale_lr = dict(enable=True)
# ChannelsLastHook: NHWC weights and inputs for the tensor cores;
# Float32HeadOutputHook: MMPose 1.3.2's HeatmapHead.loss calls numpy on the
# heatmaps, which fails on bf16
custom_hooks = _base_.custom_hooks + [
    dict(type='ChannelsLastHook'),
    dict(type='Float32HeadOutputHook'),
]
# workers for a 16-core, one-GPU machine; override with --cfg-options
# train_dataloader.num_workers=N
train_dataloader = dict(
    batch_size=128, num_workers=16, persistent_workers=True, pin_memory=True)
