"""Draw FashionAI keypoints on images and lay images out on a sheet.

Ground truth is drawn as circles (filled: visible, hollow: occluded), with
the category's skeleton; predictions as crosses joined by thin lines. Colors
tell the side: the image's left, its right, the middle.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from fashionai_core.atomic import atomic_write
from fashionai_core.keypoints import (CATEGORY_KEYPOINTS, KEYPOINT_NAMES,
                                      SKELETON, side_color)

PREDICTION_COLOR = (255, 0, 255)  # RGB


def _bgr(rgb: Tuple[int, int, int]) -> Tuple[int, int, int]:
    return tuple(int(c) for c in rgb[::-1])


def draw_keypoints(image: np.ndarray,
                   keypoints: np.ndarray,
                   visibility: np.ndarray,
                   category: str,
                   prediction: bool = False,
                   radius: Optional[int] = None) -> np.ndarray:
    """Draw one garment's points and skeleton on a copy of ``image``.

    Args:
        image: BGR image (H, W, 3), uint8.
        keypoints: Points in image pixels, shape (24, 2), CSV order.
        visibility: ``v`` per point (1, 0, -1), shape (24,); -1 is skipped.
        category: The garment's category (limits the skeleton).
        prediction: Draw as a prediction (crosses) instead of ground truth.
        radius: Marker size in pixels; default scales with the image.

    Returns:
        np.ndarray: The annotated copy.
    """
    canvas = image.copy()
    radius = radius or max(3, round(max(image.shape[:2]) / 100))
    # OpenCV takes int32 pixels: a point far off the image (a broken
    # prediction) is drawn at the edge of a margin instead of overflowing
    margin = 4 * max(image.shape[:2])
    keypoints = np.clip(
        np.nan_to_num(np.asarray(keypoints, dtype=np.float64)), -margin,
        margin + max(image.shape[:2]))
    index = {name: i for i, name in enumerate(KEYPOINT_NAMES)}
    names = CATEGORY_KEYPOINTS[category]
    for start, end in SKELETON:
        a, b = index[start], index[end]
        if start in names and end in names and visibility[a] >= 0 and (
                visibility[b] >= 0):
            color = PREDICTION_COLOR if prediction else side_color(start)
            cv2.line(canvas, tuple(np.round(keypoints[a]).astype(int)),
                     tuple(np.round(keypoints[b]).astype(int)), _bgr(color),
                     1 if prediction else 2, cv2.LINE_AA)
    for name in names:
        k = index[name]
        if visibility[k] < 0:
            continue
        center = tuple(np.round(keypoints[k]).astype(int))
        color = _bgr(side_color(name))
        if prediction:
            cv2.drawMarker(canvas, center, _bgr(PREDICTION_COLOR),
                           cv2.MARKER_CROSS, 2 * radius + 2, 2, cv2.LINE_AA)
        else:
            cv2.circle(canvas, center, radius, color,
                       -1 if visibility[k] == 1 else 2, cv2.LINE_AA)
            cv2.circle(canvas, center, radius + 1, (0, 0, 0), 1, cv2.LINE_AA)
    return canvas


def draw_row(image: np.ndarray,
             category: str,
             truth: Optional[Tuple[np.ndarray, np.ndarray]] = None,
             prediction: Optional[Tuple[np.ndarray,
                                        np.ndarray]] = None) -> np.ndarray:
    """One image's ground truth and prediction, each ``(keypoints (24, 2),
    visibility (24,))`` or None, drawn on a copy of ``image``."""
    if truth is not None:
        image = draw_keypoints(image, *truth, category)
    if prediction is not None:
        image = draw_keypoints(image, *prediction, category, prediction=True)
    return image


def contact_sheet(images: Sequence[np.ndarray],
                  captions: Sequence[str],
                  columns: int = 4,
                  cell: int = 256) -> np.ndarray:
    """Tile images (scaled to fit ``cell`` x ``cell``) with a caption each."""
    rows = max(1, -(-len(images) // columns))
    caption_height = 18
    sheet = np.full((rows * (cell + caption_height), columns * cell, 3),
                    255,
                    dtype=np.uint8)
    for i, (image, caption) in enumerate(zip(images, captions)):
        scale = cell / max(image.shape[:2])
        thumb = cv2.resize(
            image,
            (round(image.shape[1] * scale), round(image.shape[0] * scale)),
            interpolation=cv2.INTER_AREA)
        top = (i // columns) * (cell + caption_height)
        left = (i % columns) * cell
        sheet[top:top + thumb.shape[0], left:left + thumb.shape[1]] = thumb
        cv2.putText(sheet, caption[:40], (left + 3, top + cell + 13),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return sheet


def write_png(path: str, image: np.ndarray) -> None:
    """Write a BGR image as PNG, whole or not at all (temporary file, then
    rename)."""
    ok, encoded = cv2.imencode('.png', image)
    assert ok
    with atomic_write(path, 'wb') as file:
        file.write(encoded.tobytes())
