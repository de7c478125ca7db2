"""Save checkpoints that load with torch's ``weights_only=True``."""
from typing import Any, Dict

from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from ...stored_config import REFUSED_KEY
from ...weights_only import decode, encode


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Make every checkpoint the runner saves loadable with weights_only.

    Before saving, numpy arrays, ``HistoryBuffer`` objects and ``Counter``
    milestones become tagged plain values
    (:mod:`fashionai_dataset.weights_only`); after
    loading (``--resume``, ``load_from``, ``mim test --checkpoint``) they are
    restored, so mmengine and MMPose see the objects they saved. A loaded
    checkpoint whose stored config was dropped for holding code
    (:mod:`fashionai_dataset.stored_config`) is named in a warning.
    """
    priority = 'VERY_LOW'  # after every hook that adds to the checkpoint

    def before_save_checkpoint(self, runner, checkpoint: Dict[str,
                                                              Any]) -> None:
        checkpoint.update(encode(dict(checkpoint)))

    def after_load_checkpoint(self, runner, checkpoint: Dict[str,
                                                             Any]) -> None:
        checkpoint.update(decode(dict(checkpoint)))
        refused = checkpoint.get('meta', {}).get(REFUSED_KEY)
        if refused:
            runner.logger.warning(
                f'the loaded checkpoint\'s stored config was dropped unread: '
                f'{refused}; its weights are used with this run\'s config')
