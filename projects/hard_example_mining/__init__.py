"""Hard-example mining (registers ``HardExampleSampler`` and
``HardExampleMiningHook``)."""
from .engine import HardExampleMiningHook, HardExampleSampler

__all__ = ['HardExampleMiningHook', 'HardExampleSampler']
