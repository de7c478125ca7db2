from .hard_example_mining_hook import HardExampleMiningHook
from .hard_example_sampler import HardExampleSampler

__all__ = ['HardExampleMiningHook', 'HardExampleSampler']
