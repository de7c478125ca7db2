"""A training sampler that draws some images more often than others."""
import math
from typing import Iterator, Optional, Sequence, Sized

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmpose.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


@DATA_SAMPLERS.register_module()
class HardExampleSampler(Sampler):
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
        self.dataset = dataset
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.num_samples = math.ceil(len(dataset) / self.world_size)
        self.total_size = self.num_samples * self.world_size
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
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        if self.weights is None:
            indices = torch.randperm(len(self.dataset), generator=generator)
            # pad to a multiple of the world size, as DefaultSampler does
            indices = indices.repeat(
                math.ceil(self.total_size / len(indices)))[:self.total_size]
        else:
            indices = torch.multinomial(
                self.weights,
                self.total_size,
                replacement=True,
                generator=generator)
        return iter(
            indices[self.rank:self.total_size:self.world_size].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Called by the training loop: a new draw each epoch."""
        self.epoch = epoch
