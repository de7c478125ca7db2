# The demo config on the fast training path, at the demo's own batch size
# (so only bf16 autocast and channels_last differ): the CPU accuracy check
# of the fast path. This CPU's AMX runs bf16 convolutions.
_base_ = ['./res18_all_128_demo.py']
from fashionai_dataset.config_utils import fast_training  # noqa: E402

(optim_wrapper, env_cfg, auto_scale_lr, custom_hooks,
 train_dataloader) = fast_training(_base_.custom_hooks, batch_size=32)
