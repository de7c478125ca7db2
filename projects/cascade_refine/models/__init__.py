from .cascade import CascadeTopdownPoseEstimator

__all__ = ['CascadeTopdownPoseEstimator']
