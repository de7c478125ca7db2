"""Let MMEngine's PyTorch launcher start processes on a machine without GPUs.

mmengine 0.10.7 calls ``torch.cuda.set_device(LOCAL_RANK)`` before
``init_process_group`` whatever the backend, which fails where no GPU is
visible, so ``mim train ... --launcher pytorch`` with the ``gloo`` backend
cannot run on CPUs. Where CUDA is unavailable, :func:`allow_cpu_distributed`
makes that one call skip the device selection; with GPUs nothing changes.
"""
import torch
from mmengine.dist import utils as dist_utils

_original = dist_utils._init_dist_pytorch


def _init_dist_pytorch_on_cpu(backend: str,
                              init_backend: str = 'torch',
                              **kwargs) -> None:
    """mmengine's ``_init_dist_pytorch`` without the CUDA device selection."""
    set_device = torch.cuda.set_device
    torch.cuda.set_device = lambda device: None
    try:
        _original(backend, init_backend=init_backend, **kwargs)
    finally:
        torch.cuda.set_device = set_device


def allow_cpu_distributed() -> bool:
    """Install the CPU path if no GPU is usable; return whether it did."""
    if torch.cuda.is_available():
        return False
    dist_utils._init_dist_pytorch = _init_dist_pytorch_on_cpu
    return True
