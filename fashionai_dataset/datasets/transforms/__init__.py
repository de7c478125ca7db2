from .keypoint_weights import ZeroWeightOutsideInput
from .photometric import RandomGaussianBlur, RandomGaussianNoise

__all__ = [
    'ZeroWeightOutsideInput', 'RandomGaussianBlur', 'RandomGaussianNoise'
]
