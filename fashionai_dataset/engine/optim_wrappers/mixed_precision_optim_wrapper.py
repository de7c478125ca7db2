"""Mixed precision chosen when the runner builds it, not when a config
parses."""
from typing import Union

import torch
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper
from mmpose.registry import OPTIM_WRAPPERS

from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper


@OPTIM_WRAPPERS.register_module(name='MixedPrecisionOptimWrapper')
def build_mixed_precision_optim_wrapper(
        dtype: str = 'auto',
        **kwargs) -> Union[AmpOptimWrapper, CPUAutocastOptimWrapper]:
    """Build the mixed-precision optimizer wrapper for the training device.

    A config says ``optim_wrapper = dict(type='MixedPrecisionOptimWrapper')``
    and means the same on every machine; the choice happens here, when the
    runner builds the wrapper on the machine that trains:

    * a GPU with bf16 (Ampere and later): MMEngine's ``AmpOptimWrapper`` in
      bf16;
    * an older GPU: ``AmpOptimWrapper`` in fp16 with dynamic loss scaling;
    * no GPU: :class:`CPUAutocastOptimWrapper` (bf16 autocast), since
      ``AmpOptimWrapper`` refuses CPUs.

    Args:
        dtype: ``'auto'`` (the above), or ``'bfloat16'`` / ``'float16'`` to
            force one on a GPU. CPUs always use bf16.
        **kwargs: Passed to the wrapper (``optimizer``, ``clip_grad``,
            ``accumulative_counts``, ...).

    Returns:
        OptimWrapper: The wrapper built for this machine.
    """
    if dtype not in ('auto', 'bfloat16', 'float16'):
        raise ValueError(f'MixedPrecisionOptimWrapper: dtype {dtype!r}; '
                         "expected 'auto', 'bfloat16' or 'float16'")
    if not torch.cuda.is_available():
        wrapper, dtype = CPUAutocastOptimWrapper(**kwargs), 'bfloat16'
    else:
        if dtype == 'auto':
            dtype = ('bfloat16'
                     if torch.cuda.is_bf16_supported() else 'float16')
        wrapper = AmpOptimWrapper(dtype=dtype, **kwargs)
    print_log(
        f'mixed precision on this machine: {type(wrapper).__name__} in '
        f'{dtype}',
        logger='current')
    return wrapper


__all__ = ['build_mixed_precision_optim_wrapper']
