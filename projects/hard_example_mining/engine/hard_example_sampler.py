"""A training sampler that draws some images more often than others."""
from typing import Iterator, Optional, Sequence, Sized

import numpy as np
import torch
from mmengine.dataset import DefaultSampler
from mmpose.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class HardExampleSampler(DefaultSampler):
    """Weighted sampling of a training set, weights set during training.

    Until :meth:`set_weights` is called it is MMEngine's ``DefaultSampler``
    with shuffling (a permutation per epoch). With weights, each epoch draws
    ``len(dataset)`` indices with replacement, each with probability
    proportional to its weight, so an epoch costs the same whatever the
    weights. :class:`HardExampleMiningHook` sets the weights from each
    image's NE. Distributed: every rank draws the same sequence from the
    shared seed and takes its own slice.

    Args:
        dataset: The training dataset.
        seed: Random seed; default: one shared by all ranks.
    """

    def __init__(self, dataset: Sized, seed: Optional[int] = None) -> None:
        super().__init__(dataset, shuffle=True, seed=seed)
        self.weights: Optional[torch.Tensor] = None

    def set_weights(self, weights: Sequence[float]) -> None:
        """Sampling weights, one per dataset index, non-negative."""
        weights = torch.as_tensor(np.asarray(weights), dtype=torch.float64)
        if weights.shape != (len(self.dataset), ):
            raise ValueError(
                f'HardExampleSampler: {len(self.dataset)} weights expected '
                f'(one per image), got shape {tuple(weights.shape)}')
        if (weights < 0).any() or not weights.sum() > 0:
            raise ValueError('HardExampleSampler: weights must be '
                             'non-negative with a positive sum')
        self.weights = weights

    def __iter__(self) -> Iterator[int]:
        if self.weights is None:
            return super().__iter__()
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        indices = torch.multinomial(
            self.weights,
            self.total_size,
            replacement=True,
            generator=generator)
        return iter(
            indices[self.rank:self.total_size:self.world_size].tolist())
