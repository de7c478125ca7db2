from .atomic_backend import AtomicLocalBackend
from .hooks import (ChannelsLastHook, Float32HeadOutputHook,
                    WeightsOnlyCheckpointHook)
from .optim_wrappers import CPUAutocastOptimWrapper

__all__ = [
    'AtomicLocalBackend', 'ChannelsLastHook', 'CPUAutocastOptimWrapper',
    'Float32HeadOutputHook', 'WeightsOnlyCheckpointHook'
]
