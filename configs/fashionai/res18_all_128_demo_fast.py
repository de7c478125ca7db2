# The demo config on the fast training path at the demo's own batch size, so
# that only the precision and the memory format differ: the CPU accuracy
# check of the fast path (this machine's AMX units run bf16 convolutions).
_base_ = ['./res18_all_128_demo.py']

# bf16 CPU autocast here; AmpOptimWrapper (bf16, or fp16 on older GPUs)
# where a GPU trains: chosen when the runner builds the wrapper
optim_wrapper = dict(type='MixedPrecisionOptimWrapper')
env_cfg = dict(cudnn_benchmark=True)
auto_scale_lr = dict(enable=True)
custom_hooks = _base_.custom_hooks + [
    dict(type='ChannelsLastHook'),
    dict(type='Float32HeadOutputHook'),
]
train_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=True, pin_memory=True)
