"""Two-stage crop refinement (registers ``CascadeTopdownPoseEstimator``,
``CascadeCropJitter`` and ``KeepOriginalImage``)."""
from .datasets import CascadeCropJitter, KeepOriginalImage
from .models import CascadeTopdownPoseEstimator

__all__ = [
    'CascadeCropJitter', 'CascadeTopdownPoseEstimator', 'KeepOriginalImage'
]
