"""Give MMPose heads float32 outputs under bf16 autocast."""
import functools
from typing import Any

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


def _to_float32(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.float()
    if isinstance(value, (list, tuple)):
        return type(value)(_to_float32(v) for v in value)
    return value


@HOOKS.register_module()
class Float32HeadOutputHook(Hook):
    """Cast the pose head's outputs to float32.

    Under bf16 autocast the heatmaps come out in bfloat16, which numpy
    cannot hold: MMPose 1.3.2's ``HeatmapHead.loss`` then fails in
    ``to_numpy`` while computing the training accuracy (on GPUs with
    ``AmpOptimWrapper(dtype='bfloat16')`` as on CPUs). The head's
    ``forward``, which ``loss`` and ``predict`` call directly, is wrapped
    once; the losses then also run in float32, as autocast would do anyway.
    """
    priority = 'HIGH'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        head = model.head
        if getattr(head, '_float32_outputs', False):
            return
        forward = head.forward

        @functools.wraps(forward)
        def forward_float32(*args, **kwargs):
            return _to_float32(forward(*args, **kwargs))

        head.forward = forward_float32
        head._float32_outputs = True
