# res50_blouse.py on the fast training path: bf16 autocast, channels_last, cudnn
# benchmark, batch 128 per GPU with the learning rate scaled by
# auto_scale_lr, loader workers from the core count.
_base_ = ['./res50_blouse.py']
from fashionai_dataset.config_utils import fast_training  # noqa: E402

(optim_wrapper, env_cfg, auto_scale_lr, custom_hooks,
 train_dataloader) = fast_training(_base_.custom_hooks, batch_size=128)
