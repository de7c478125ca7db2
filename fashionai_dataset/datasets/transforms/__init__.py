from .bbox_view import BBoxView
from .keypoint_weights import ZeroWeightOutsideInput
from .photometric import RandomGaussianBlur, RandomGaussianNoise

__all__ = [
    'BBoxView', 'ZeroWeightOutsideInput', 'RandomGaussianBlur',
    'RandomGaussianNoise'
]
