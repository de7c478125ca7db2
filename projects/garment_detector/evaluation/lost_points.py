"""How many annotated points a top-down crop cuts off, by box padding.

A top-down keypoint model sees only its input crop: the box enlarged by the
pipeline's ``GetBBoxCenterScale(padding)`` and widened to the input's aspect
ratio by ``TopdownAffine``. A point outside that crop cannot be predicted
where it is (the seed's "one lost point" failure). This counts them for
given boxes, per padding, the crop computed exactly as the pipeline does.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

from fashionai_core.csv_io import FashionAIRecords
from fashionai_deploy.preprocess import box_center_scale


def lost_point_rates(records: FashionAIRecords,
                     boxes: Sequence[Optional[np.ndarray]],
                     image_sizes: Sequence[Sequence[int]],
                     paddings: Sequence[float],
                     aspect_ratio: float = 1.0) -> List[Dict[str, float]]:
    """Share of annotated points outside the crop, for each padding.

    Args:
        records: Annotation rows (keypoints and ``v``).
        boxes: One ``[x1, y1, x2, y2]`` box per row, image pixels; None for
            the whole image.
        image_sizes: ``(width, height)`` per row.
        paddings: ``GetBBoxCenterScale`` paddings to evaluate.
        aspect_ratio: Network input width / height.

    Returns:
        list: One dict per padding: ``padding``; ``visible_lost`` and
        ``occluded_lost``, the fractions of visible (v=1) and occluded (v=0)
        points outside the crop; ``images_lost``, the fraction of images
        with at least one annotated point outside.
    """
    full = [
        np.array([0, 0, w, h], np.float32) if box is None else box
        for box, (w, h) in zip(boxes, image_sizes)
    ]
    visible = records.visibility == 1
    occluded = records.visibility == 0
    rates = []
    for padding in paddings:
        outside = np.zeros(records.visibility.shape, dtype=bool)
        for row, box in enumerate(full):
            center, scale = box_center_scale(box, padding, aspect_ratio)
            points = records.keypoints[row]
            outside[row] = (np.abs(points - center) > scale / 2).any(axis=1)
        rates.append(
            dict(
                padding=float(padding),
                visible_lost=float(outside[visible].mean()),
                occluded_lost=float(outside[occluded].mean())
                if occluded.any() else 0.0,
                images_lost=float(
                    (outside & (visible | occluded)).any(axis=1).mean())))
    return rates
