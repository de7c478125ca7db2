from .atomic_backend import AtomicLocalBackend
from .optim_wrappers import CPUAutocastOptimWrapper
from .hooks import (ChannelsLastHook, Float32HeadOutputHook,
                    WeightsOnlyCheckpointHook)
from .plain_checkpoint import decode, encode

__all__ = [
    'AtomicLocalBackend', 'ChannelsLastHook', 'CPUAutocastOptimWrapper',
    'Float32HeadOutputHook', 'WeightsOnlyCheckpointHook', 'decode', 'encode'
]
