"""Let mmengine 0.10.7 load its own checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load`` default to ``weights_only=True``. mmengine 0.10.7
checkpoints hold numpy arrays and mmengine objects in ``meta`` and
``message_hub``, so ``mim test``, ``--resume`` and ``load_from`` fail with
``Weights only load failed ... numpy._core.multiarray._reconstruct``.

This module is the single place that decides how checkpoints are loaded. For
now it sets torch's documented switch ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``
(measured to work with mmengine's ``CheckpointLoader``); a later change will
replace it with loading that keeps torch's protection on. Load checkpoints
only from sources you trust.
"""
import os

import torch
from packaging.version import Version

SWITCH = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


def allow_full_checkpoint_loading() -> bool:
    """Set :data:`SWITCH` if this torch defaults to ``weights_only=True``.

    A value the user already set is kept.

    Returns:
        bool: Whether the switch is now set.
    """
    if Version(torch.__version__.split('+')[0]) < Version('2.6'):
        return False
    os.environ.setdefault(SWITCH, '1')
    return os.environ[SWITCH] == '1'
