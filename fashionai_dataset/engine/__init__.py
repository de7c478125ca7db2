from .atomic_backend import AtomicLocalBackend
from .hooks import WeightsOnlyCheckpointHook
from .plain_checkpoint import decode, encode

__all__ = [
    'AtomicLocalBackend', 'WeightsOnlyCheckpointHook', 'decode', 'encode'
]
