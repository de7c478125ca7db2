"""The constant-output baseline: every image gets its category's mean layout.

This is what direct regression models collapse to when they stop looking at
the image; a model that learns must beat it by a wide margin.
"""
import numpy as np

from .csv_io import FashionAIRecords
from .keypoints import CATEGORIES, CATEGORY_KEYPOINTS, KEYPOINT_NAMES


def mean_layouts(records: FashionAIRecords) -> np.ndarray:
    """Mean position of each point per category, over annotated points.

    Args:
        records: Training annotations.

    Returns:
        np.ndarray: Shape (5, 24, 2) in original-image pixels, category
        order of :data:`CATEGORIES`; NaN for points a category does not
        define or that are never annotated.
    """
    layouts = np.full((len(CATEGORIES), len(KEYPOINT_NAMES), 2), np.nan)
    annotated = records.visibility >= 0
    for category_id in range(len(CATEGORIES)):
        rows = records.category_ids == category_id
        for point in range(len(KEYPOINT_NAMES)):
            mask = rows & annotated[:, point]
            if mask.any():
                layouts[category_id, point] = records.keypoints[mask,
                                                                point].mean(0)
    return layouts


def constant_predictions(layouts: np.ndarray,
                         test: FashionAIRecords) -> np.ndarray:
    """Predict ``layouts[category]`` for every test image.

    Returns:
        np.ndarray: Shape (N, 24, 2); points a category does not define are
        NaN. A defined point never seen in training gets the mean of the
        category's other points.

    Raises:
        ValueError: ``test`` lists a category with no annotated point in
            ``layouts``.
    """
    for category in dict.fromkeys(test.categories):
        if np.isnan(layouts[CATEGORIES.index(category)]).all():
            raise ValueError(
                f'{test.path}: lists {category} images, but the training '
                f'annotations have no annotated {category} point to average')
    predictions = layouts[test.category_ids].copy()
    for row, category in enumerate(test.categories):
        for name in CATEGORY_KEYPOINTS[category]:
            point = KEYPOINT_NAMES.index(name)
            if np.isnan(predictions[row, point]).any():
                predictions[row, point] = np.nanmean(predictions[row], axis=0)
    return predictions
