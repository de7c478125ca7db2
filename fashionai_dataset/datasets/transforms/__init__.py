from .bbox_view import BBoxView
from .keypoint_weights import ZeroWeightOutsideInput
from .photometric import (CoarseDropout, RandomBoxBlur, RandomGaussianBlur,
                          RandomGaussianNoise, RandomMedianBlur)

__all__ = [
    'BBoxView', 'ZeroWeightOutsideInput', 'RandomGaussianBlur',
    'RandomGaussianNoise', 'RandomBoxBlur', 'RandomMedianBlur', 'CoarseDropout'
]
