"""bf16 mixed precision for training on CPUs."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmpose.registry import OPTIM_WRAPPERS
from torch import nn


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` that runs forward passes under CPU bf16 autocast.

    MMEngine's ``AmpOptimWrapper`` refuses to run without a GPU (its loss
    scaler is CUDA's). bf16 keeps fp32's exponent range, so no loss scaling
    is needed: this wrapper only adds ``torch.autocast('cpu', bfloat16)``.
    It pays off on CPUs with bf16 matrix units (AVX512-BF16, AMX).
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=torch.bfloat16):
            yield
