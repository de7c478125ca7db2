from .fashionai_dataset import FashionAIDataset
from .transforms import (RandomGaussianBlur, RandomGaussianNoise,
                         ZeroWeightOutsideInput)

__all__ = [
    'FashionAIDataset', 'RandomGaussianBlur', 'RandomGaussianNoise',
    'ZeroWeightOutsideInput'
]
