from .fashionai_dataset import FashionAIDataset
from .pseudo_label_dataset import PseudoLabelConcatDataset
from .transforms import (RandomGaussianBlur, RandomGaussianNoise,
                         ZeroWeightOutsideInput)

__all__ = [
    'FashionAIDataset', 'PseudoLabelConcatDataset', 'RandomGaussianBlur',
    'RandomGaussianNoise', 'ZeroWeightOutsideInput'
]
