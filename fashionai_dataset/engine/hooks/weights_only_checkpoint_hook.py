"""Save checkpoints that load with torch's ``weights_only=True``."""
from typing import Any, Dict

from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from ...weights_only import decode, encode


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Make every checkpoint the runner saves loadable with weights_only.

    Before saving, numpy arrays, ``HistoryBuffer`` objects and ``Counter``
    milestones become tagged plain values
    (:mod:`fashionai_dataset.weights_only`); after
    loading (``--resume``, ``load_from``, ``mim test --checkpoint``) they are
    restored, so mmengine and MMPose see the objects they saved.
    """
    priority = 'VERY_LOW'  # after every hook that adds to the checkpoint

    def before_save_checkpoint(self, runner, checkpoint: Dict[str,
                                                              Any]) -> None:
        checkpoint.update(encode(dict(checkpoint)))

    def after_load_checkpoint(self, runner, checkpoint: Dict[str,
                                                             Any]) -> None:
        checkpoint.update(decode(dict(checkpoint)))
