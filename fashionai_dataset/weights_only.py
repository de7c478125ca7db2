"""Checkpoints that load with torch's ``weights_only=True``: all of it here.

**Saving.** An mmengine 0.10.7 checkpoint holds, besides tensors, numpy
arrays (dataset metainfo), ``HistoryBuffer`` objects (the message hub's
logged scalars) and a ``collections.Counter`` (the step scheduler's
milestones). Unpickling those needs globals that torch's safe loader
refuses, and allowing them would let a crafted checkpoint call them.
:func:`encode` rewrites them as tagged plain dicts of lists and numbers
before saving; :func:`decode` restores them after loading, so the loaded
checkpoint is what mmengine saved.

**Loading.** torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``.
Rather than turning that off for the whole process
(``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``), this module replaces mmengine's
loader for local files with one that always asks for it explicitly, and
turns torch's refusal into an error that names the file and says why. Every
local load in mmengine goes through that loader: ``mim test --checkpoint``,
``--resume``, ``load_from``, ``tools/predict.py``.

Checkpoints written by this project's training load: the
``WeightsOnlyCheckpointHook`` in the configs stores their numpy arrays and
mmengine objects as plain values. A checkpoint whose pickle refers to any
other Python object (which could run code when unpickled) is refused.
"""
import os.path as osp
import pickle
from collections import Counter
from typing import Any, Callable, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from .stored_config import drop_unsafe_configs

TAG = '__fashionai_plain__'


def encode(value: Any) -> Any:
    """Return ``value`` with numpy, HistoryBuffer and Counter made plain.

    Tensors, strings, numbers and None are kept; dicts, lists and tuples are
    rebuilt with encoded items (an ``OrderedDict`` stays one).
    """
    if isinstance(value, np.ndarray):
        return {
            TAG: 'ndarray',
            'dtype': value.dtype.str,
            'shape': list(value.shape),
            'data': value.ravel().tolist()
        }
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, HistoryBuffer):
        log_history, count_history = value.data
        return {
            TAG: 'HistoryBuffer',
            'log_history': encode(log_history),
            'count_history': encode(count_history),
            'max_length': value.max_length
        }
    if isinstance(value, Counter):
        return {TAG: 'Counter', 'items': [[k, v] for k, v in value.items()]}
    if isinstance(value, dict):
        return type(value)((k, encode(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(encode(v) for v in value)
    return value


def decode(value: Any) -> Any:
    """Invert :func:`encode`."""
    if isinstance(value, dict):
        kind = value.get(TAG)
        if kind == 'ndarray':
            return np.array(
                value['data'],
                dtype=np.dtype(value['dtype'])).reshape(value['shape'])
        if kind == 'HistoryBuffer':
            return HistoryBuffer(
                decode(value['log_history']), decode(value['count_history']),
                value['max_length'])
        if kind == 'Counter':
            return Counter({k: v for k, v in value['items']})
        return type(value)((k, decode(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(decode(v) for v in value)
    return value


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds objects that torch's safe loader refuses."""


def load_weights_only(filename: str,
                      map_location: Optional[Union[str,
                                                   Callable]] = None) -> Any:
    """Load a local checkpoint with ``torch.load(weights_only=True)``.

    Returns:
        The checkpoint as mmengine saved it: :func:`decode` has restored
        what ``WeightsOnlyCheckpointHook`` made plain, so code that loads
        it without the hook (MMPose's ``init_model``, ``MMPoseInferencer``)
        finds the metainfo's numpy arrays.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: The pickle refers to a Python object that is
            not plain data (a function, a class, ...).

    A stored config text that is not plain data (which mmengine's
    inferencer or ``--resume`` would run) is removed unread
    (:func:`~fashionai_dataset.stored_config.drop_unsafe_configs`).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        checkpoint = torch.load(
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
    drop_unsafe_configs(checkpoint, filename)
    return decode(checkpoint)


def install_weights_only_loading() -> None:
    """Make mmengine load local checkpoints through :func:`load_weights_only`.

    Idempotent; replaces mmengine's default scheme for paths without a
    prefix (``http://`` and ``torchvision://`` keep theirs).
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_weights_only, force=True)
