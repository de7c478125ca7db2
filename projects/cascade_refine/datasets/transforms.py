"""Stage-2 crops: from ground truth in training, from stage 1 at test."""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


def crop_box(points: np.ndarray, margin: float) -> np.ndarray:
    """The box around ``points`` grown by ``margin`` of its longer side.

    Args:
        points: Shape (K, 2), pixels.
        margin: Added on each side, as a fraction of the longer side.

    Returns:
        np.ndarray: ``[x1, y1, x2, y2]``, shape (4,), float32.
    """
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * max(float((high - low).max()), 1.0)
    return np.concatenate([low - pad, high + pad]).astype(np.float32)


@TRANSFORMS.register_module()
class CascadeCropJitter(BaseTransform):
    """Set ``bbox`` to a stage-2 crop built from the ground-truth points.

    Each annotated point is displaced by Gaussian noise with standard
    deviation ``stage1_error`` times the longer side of the points' box
    (what ``tools/measure_stage1_error.py`` measures for a stage-1 model),
    and the crop is the displaced points' :func:`crop_box`, so training
    crops vary as test crops built from stage-1 predictions do. The crop
    then grows to hold every true point with half the margin, so no
    training target is cut off. Put it after ``LoadImage`` and before
    ``GetBBoxCenterScale(padding=1.0)``.

    Required keys: ``keypoints``, ``keypoints_visible``. Modified: ``bbox``.

    Args:
        stage1_error: Noise, as a fraction of the points' extent; 0 gives
            the crop of the true points.
        margin: As :func:`crop_box`.
    """

    def __init__(self,
                 stage1_error: float = 0.0,
                 margin: float = 0.15) -> None:
        if stage1_error < 0 or margin < 0:
            raise ValueError('CascadeCropJitter: stage1_error and margin must '
                             'be >= 0')
        self.stage1_error = stage1_error
        self.margin = margin

    def transform(self, results: Dict) -> Optional[Dict]:
        annotated = results['keypoints_visible'][0] > 0
        if not annotated.any():
            return results
        points = np.asarray(results['keypoints'][0][annotated], np.float64)
        extent = max(float(np.ptp(points, axis=0).max()), 1.0)
        noisy = points + np.random.normal(
            0, self.stage1_error * extent, size=points.shape)
        box = crop_box(noisy, self.margin)
        must_hold = crop_box(points, self.margin / 2)
        box[:2] = np.minimum(box[:2], must_hold[:2])
        box[2:] = np.maximum(box[2:], must_hold[2:])
        results['bbox'] = box[None]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(stage1_error='
                f'{self.stage1_error}, margin={self.margin})')


@TRANSFORMS.register_module()
class KeepOriginalImage(BaseTransform):
    """Keep the loaded image as ``original_img`` for a second stage.

    Put it after ``LoadImage`` and list ``original_img`` in
    ``PackPoseInputs``' ``meta_keys``; :class:`CascadeTopdownPoseEstimator`
    crops stage 2's input from it at full resolution.
    """

    def transform(self, results: Dict) -> Dict:
        results['original_img'] = results['img']
        return results
