from .atomic_backend import AtomicLocalBackend
from .optim_wrappers import CPUAutocastOptimWrapper
from .hooks import (ChannelsLastHook, Float32HeadOutputHook,
                    WeightsOnlyCheckpointHook)

__all__ = [
    'AtomicLocalBackend', 'ChannelsLastHook', 'CPUAutocastOptimWrapper',
    'Float32HeadOutputHook', 'WeightsOnlyCheckpointHook'
]
