"""Load local checkpoints with torch's ``weights_only=True`` protection.

torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``. Rather than
turning that off for the whole process (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``),
this module replaces mmengine's loader for local files with one that always
asks for it explicitly, and turns torch's refusal into an error that names
the file and says why. Every local load in mmengine goes through that loader:
``mim test --checkpoint``, ``--resume``, ``load_from`` and ``tools/predict.py``.

Checkpoints written by this project's training load: the
``WeightsOnlyCheckpointHook`` in the configs stores their numpy arrays and
mmengine objects as plain values. A checkpoint whose pickle refers to any
other Python object (which could run code when unpickled) is refused.
"""
import os.path as osp
import pickle
from typing import Any, Callable, Optional, Union

import torch
from mmengine.runner.checkpoint import CheckpointLoader


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds objects that torch's safe loader refuses."""


def load_weights_only(filename: str,
                      map_location: Optional[Union[str, Callable]] = None
                      ) -> Any:
    """Load a local checkpoint with ``torch.load(weights_only=True)``.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: The pickle refers to a Python object that is
            not plain data (a function, a class, ...).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        reason = str(error).split('WeightsUnpickler error:')[-1].strip()
        reason = reason.splitlines()[0] if reason else 'not plain data'
        raise UnsafeCheckpointError(
            f'{filename}: refused to load: the checkpoint holds Python '
            f'objects that could run code when unpickled ({reason}). '
            'Checkpoints written by this project\'s training load safely; '
            'if you trust this file, convert it once with '
            'torch.load(weights_only=False) and save only its state_dict.'
        ) from None


def install_weights_only_loading() -> None:
    """Make mmengine load local checkpoints through :func:`load_weights_only`.

    Idempotent; replaces mmengine's default scheme for paths without a
    prefix (``http://`` and ``torchvision://`` keep theirs).
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_weights_only, force=True)
