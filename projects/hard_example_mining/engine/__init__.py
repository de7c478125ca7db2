from .hard_example_mining_hook import HardExampleMiningHook, per_image_ne
from .hard_example_sampler import HardExampleSampler

__all__ = ['HardExampleMiningHook', 'HardExampleSampler', 'per_image_ne']
