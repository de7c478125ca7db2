"""Checkpoint contents that ``torch.load(weights_only=True)`` accepts.

An mmengine 0.10.7 checkpoint holds, besides tensors, numpy arrays (dataset
metainfo), ``HistoryBuffer`` objects (the message hub's logged scalars) and a
``collections.Counter`` (the step scheduler's milestones). Unpickling those
needs globals that torch's safe loader refuses, and allowing them would let
a crafted checkpoint call them. :func:`encode` rewrites them as tagged plain
dicts of lists and numbers before saving; :func:`decode` restores them after
loading, so the loaded checkpoint is what mmengine saved.
"""
from collections import Counter
from typing import Any

import numpy as np
from mmengine.logging import HistoryBuffer

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
                value['data'], dtype=np.dtype(value['dtype'])).reshape(
                    value['shape'])
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
