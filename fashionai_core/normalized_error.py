"""The FashionAI normalized error (NE), vectorized with numpy.

Pure functions, shared by ``FashionAIMetric`` (the MMPose plugin's metric)
and ``tools/evaluate.py``. The definition (``docs/metric.md``)::

    NE = sum_k (d_k / s_k) [v_k == 1] / sum_k [v_k == 1]     (in percent)

pooled over every point of every image; ``s`` is the armpit distance for
blouse, outwear and dress and the waistband distance for skirt and trousers,
taken from the ground truth whatever the endpoints' visibility. Images whose
normalizer cannot be computed (an endpoint absent, or zero distance) are left
out of both sums and counted.

Note:
    ``N`` images, 24 keypoints in CSV order. Coordinates are pixels of the
    original image. Category ids index
    :data:`~fashionai_core.keypoints.CATEGORIES`.
"""
from dataclasses import dataclass
from typing import Dict

import numpy as np

from .keypoints import (CATEGORIES, KEYPOINT_NAMES, NORMALIZER_KEYPOINTS,
                        keypoint_index)

# _NORMALIZER_PAIRS[c]: the two keypoint indices of category c's normalizer.
_NORMALIZER_PAIRS = np.array(
    [[keypoint_index(name) for name in NORMALIZER_KEYPOINTS[category]]
     for category in CATEGORIES])


@dataclass
class NormalizedErrors:
    """Per-point normalized errors of a set of images.

    Attributes:
        errors: ``d / s`` per point as a fraction, shape (N, 24); NaN where
            the point does not count (ground truth not v=1, or the image has
            no usable normalizer).
        normalizers: ``s`` per image in pixels, shape (N,); NaN where unusable.
        category_ids: Category id per image, shape (N,).
    """
    errors: np.ndarray
    normalizers: np.ndarray
    category_ids: np.ndarray

    @property
    def counted(self) -> np.ndarray:
        """Mask of the points that count, shape (N, 24)."""
        return ~np.isnan(self.errors)

    @property
    def num_points(self) -> int:
        """How many points count in the pooled NE."""
        return int(self.counted.sum())

    @property
    def num_images_without_normalizer(self) -> int:
        """How many images were left out for want of a normalizer."""
        return int(np.isnan(self.normalizers).sum())


def normalizer_distances(gt_keypoints: np.ndarray, gt_visibility: np.ndarray,
                         category_ids: np.ndarray) -> np.ndarray:
    """Return each image's normalizer distance ``s`` in pixels.

    Args:
        gt_keypoints: Ground-truth points, shape (N, 24, 2).
        gt_visibility: Ground-truth ``v`` (1, 0 or -1), shape (N, 24).
        category_ids: Category id per image, shape (N,).

    Returns:
        np.ndarray: Shape (N,), float64; NaN where an endpoint is absent
        (v = -1) or the distance is 0.
    """
    category_ids = np.asarray(category_ids, dtype=np.int64)
    pairs = _NORMALIZER_PAIRS[category_ids]  # (N, 2)
    rows = np.arange(len(category_ids))[:, None]
    ends = np.asarray(gt_keypoints, dtype=np.float64)[rows, pairs]  # (N, 2, 2)
    distances = np.linalg.norm(ends[:, 0] - ends[:, 1], axis=-1)
    present = (np.asarray(gt_visibility)[rows, pairs] != -1).all(axis=1)
    return np.where(present & (distances > 0), distances, np.nan)


def normalized_errors(pred_keypoints: np.ndarray, gt_keypoints: np.ndarray,
                      gt_visibility: np.ndarray,
                      category_ids: np.ndarray) -> NormalizedErrors:
    """Compute ``d / s`` for every point that counts.

    Args:
        pred_keypoints: Predicted points, shape (N, 24, 2). Points that do
            not count may hold anything, NaN included.
        gt_keypoints: Ground-truth points, shape (N, 24, 2).
        gt_visibility: Ground-truth ``v``, shape (N, 24).
        category_ids: Category id per image, shape (N,).

    Returns:
        NormalizedErrors: Errors as fractions (multiply by 100 for percent).
    """
    pred = np.asarray(pred_keypoints, dtype=np.float64)
    gt = np.asarray(gt_keypoints, dtype=np.float64)
    if pred.shape != gt.shape or gt.shape[1:] != (len(KEYPOINT_NAMES), 2):
        raise ValueError('expected predictions and ground truth of shape '
                         f'(N, {len(KEYPOINT_NAMES)}, 2); got {pred.shape} '
                         f'and {gt.shape}')
    normalizers = normalizer_distances(gt, gt_visibility, category_ids)
    counted = (np.asarray(gt_visibility)
               == 1) & ~np.isnan(normalizers)[:, None]
    with np.errstate(invalid='ignore'):
        distances = np.linalg.norm(pred - gt, axis=-1)
    if np.isnan(distances[counted]).any():
        raise ValueError('a prediction is missing (NaN) for a point that '
                         'counts in the NE')
    errors = np.where(counted, distances / normalizers[:, None], np.nan)
    return NormalizedErrors(
        errors=errors,
        normalizers=normalizers,
        category_ids=np.asarray(category_ids, dtype=np.int64))


def per_image_ne(result: NormalizedErrors) -> np.ndarray:
    """Mean normalized error of each image over its counted points.

    Returns:
        np.ndarray: Shape (N,), in percent; NaN for an image with no point
        that counts (no visible point, or no normalizer).
    """
    counted = result.counted.sum(axis=1)
    totals = np.nansum(result.errors, axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(counted > 0, 100 * totals / counted, np.nan)


def _pooled_percent(errors: np.ndarray) -> float:
    counted = ~np.isnan(errors)
    if not counted.any():
        return float('nan')
    return float(errors[counted].sum() / counted.sum() * 100)


def summarize(result: NormalizedErrors) -> Dict[str, float]:
    """Pool normalized errors into the reported figures.

    Returns:
        dict: ``NE`` (percent, pooled over all counted points),
        ``NE/<category>`` and ``NE/<keypoint>`` (percent, pooled over that
        category's images or that keypoint's points; only those with counted
        points), ``num_points``, ``num_images`` and
        ``num_images_without_normalizer``.
    """
    summary: Dict[str, float] = {'NE': _pooled_percent(result.errors)}
    for category_id, category in enumerate(CATEGORIES):
        in_category = result.category_ids == category_id
        if (in_category[:, None] & result.counted).any():
            summary[f'NE/{category}'] = _pooled_percent(
                result.errors[in_category])
    for point, name in enumerate(KEYPOINT_NAMES):
        if result.counted[:, point].any():
            summary[f'NE/{name}'] = _pooled_percent(result.errors[:, point])
    summary['num_points'] = result.num_points
    summary['num_images'] = len(result.category_ids)
    summary['num_images_without_normalizer'] = (
        result.num_images_without_normalizer)
    return summary
