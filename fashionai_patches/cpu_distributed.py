"""MMEngine's PyTorch launcher on a machine without GPUs: change 3 of
:mod:`fashionai_patches` (mmengine 0.10.7 calls ``torch.cuda.set_device``
before ``init_process_group`` whatever the backend)."""
import atexit

import torch
from mmengine.dist import utils as dist_utils

_original = dist_utils._init_dist_pytorch


def _destroy_process_group() -> None:
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def _init_dist_pytorch_on_cpu(backend: str,
                              init_backend: str = 'torch',
                              **kwargs) -> None:
    """mmengine's ``_init_dist_pytorch`` without the CUDA device selection,
    the process group destroyed at the interpreter's exit."""
    set_device = torch.cuda.set_device
    torch.cuda.set_device = lambda device: None
    try:
        _original(backend, init_backend=init_backend, **kwargs)
    finally:
        torch.cuda.set_device = set_device
    # MMPose's train.py and test.py never destroy it: gloo's threads then
    # outlive the interpreter and now and then abort it after the run's work
    # is done ("terminate called without an active exception", SIGABRT;
    # pytorch/pytorch#190489)
    atexit.register(_destroy_process_group)


def allow_cpu_distributed() -> bool:
    """Install the CPU path if no GPU is usable; return whether it did."""
    if torch.cuda.is_available():
        return False
    dist_utils._init_dist_pytorch = _init_dist_pytorch_on_cpu
    return True
