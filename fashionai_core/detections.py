"""Garment detection results files: the boxes keypoints are predicted in.

A detection file is a JSON list with one entry per detected box, as
MMPose's ``bbox_file`` (COCO detection results), but keyed the FashionAI
way::

    [{"image_id": "Images/blouse/0a1b.jpg", "category": "blouse",
      "bbox": [x, y, w, h], "score": 0.93}, ...]

``image_id`` is the CSV's, ``category`` one of the five categories, ``bbox``
the box's top-left corner, width and height in original-image pixels, and
``score`` the detector's confidence in [0, 1]. An image may have any number
of boxes of any categories; a keypoint model of a category uses the
highest-scoring box of that category (:func:`best_boxes`).
"""
import json
import math
import os
from typing import (Dict, Iterable, List, NamedTuple, Optional, Sequence,
                    Tuple, Union)

import numpy as np

from .atomic import atomic_write
from .keypoints import CATEGORIES

PathLike = Union[str, os.PathLike]
FIELDS = ('image_id', 'category', 'bbox', 'score')


class DetectionFileError(ValueError):
    """A detection file is malformed; the message names file and entry."""


class Detection(NamedTuple):
    """One box: ``bbox`` xyxy (4,) in original-image pixels, and its score."""
    bbox: np.ndarray
    score: float


#: ``(image_id, category)`` -> that category's best box in that image.
Detections = Dict[Tuple[str, str], Detection]


def _check_entry(path: str, number: int,
                 entry: object) -> Tuple[str, str, Optional[Detection]]:
    """An entry's image id, category and box; None for a box without area
    (width or height 0, as weak detectors and older detect.py wrote), which
    counts as no box for its image."""
    where = f'{path}, entry {number}'
    if not isinstance(entry, dict):
        raise DetectionFileError(f'{where}: expected an object with '
                                 f'{", ".join(FIELDS)}, got {entry!r}')
    missing = [name for name in FIELDS if name not in entry]
    if missing:
        raise DetectionFileError(f'{where}: missing field {missing[0]!r}; '
                                 f'each entry needs {", ".join(FIELDS)}')
    image_id, category = entry['image_id'], entry['category']
    if not isinstance(image_id, str) or not image_id:
        raise DetectionFileError(f'{where} (image_id): expected the CSV\'s '
                                 f'image_id string, got {image_id!r}')
    if category not in CATEGORIES:
        raise DetectionFileError(f'{where} (category): expected one of '
                                 f'{", ".join(CATEGORIES)}, got {category!r}')
    box = entry['bbox']
    if (not isinstance(box, list) or len(box) != 4 or not all(
            isinstance(v, (int, float)) and math.isfinite(v) for v in box)
            or box[2] < 0 or box[3] < 0):
        raise DetectionFileError(
            f'{where} (bbox): expected [x, y, width, height] with finite '
            f'numbers and width, height >= 0, got {box!r}')
    score = entry['score']
    if not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise DetectionFileError(
            f'{where} (score): expected a number in [0, 1], got {score!r}')
    x, y, width, height = (float(v) for v in box)
    if width == 0 or height == 0:
        return image_id, category, None
    return image_id, category, Detection(
        np.array([x, y, x + width, y + height], dtype=np.float32),
        float(score))


def best_boxes(path: PathLike) -> Detections:
    """Read a detection file; keep each (image, category)'s best box.

    Args:
        path: The JSON file (module docstring).

    Returns:
        dict: ``(image_id, category)`` -> the highest-scoring
        :class:`Detection` of that category in that image.

    Raises:
        DetectionFileError: Not JSON, not a list, or an entry with a missing
            or invalid field (the message names the entry and field).
        FileNotFoundError: No such file.
    """
    path = os.fspath(path)
    with open(path) as file:
        try:
            entries = json.load(file)
        except (ValueError, RecursionError) as error:  # also UTF-8 errors
            reason = 'nested too deeply' if isinstance(
                error, RecursionError) else str(error)
            raise DetectionFileError(
                f'{path}: not JSON ({reason}); expected a list of detections'
            ) from None
    if not isinstance(entries, list):
        raise DetectionFileError(f'{path}: expected a JSON list of '
                                 f'detections, got {type(entries).__name__}')
    return best_of_entries(entries, path)


def best_of_entries(entries: Sequence[object], source: str) -> Detections:
    """Each (image, category)'s best box among detection-file entries.

    Args:
        entries: Entries as in the file (or from :func:`detection_entries`).
        source: Named in errors (the file, or where the entries came from).

    Raises:
        DetectionFileError: An entry with a missing or invalid field.
    """
    best: Detections = {}
    # entries count from 1, as lines do
    for number, entry in enumerate(entries, start=1):
        image_id, category, detection = _check_entry(source, number, entry)
        kept = best.get((image_id, category))
        if detection is None:
            continue
        if kept is None or detection.score > kept.score:
            best[(image_id, category)] = detection
    return best


def detection_entries(image_id: str, boxes: np.ndarray, scores: np.ndarray,
                      categories: Sequence[str]) -> List[dict]:
    """Entries of one image for :func:`write_detections`: coordinates to
    0.01 px, and no box without area at that precision (a weak detector's
    slivers; a reader would refuse them).

    Args:
        image_id: The CSV's image_id.
        boxes: (N, 4) xyxy boxes in original-image pixels.
        scores: (N,) scores.
        categories: (N,) category names.
    """
    entries = []
    for box, score, category in zip(boxes, scores, categories):
        bbox = [
            round(float(box[0]), 2),
            round(float(box[1]), 2),
            round(float(box[2] - box[0]), 2),
            round(float(box[3] - box[1]), 2)
        ]
        if bbox[2] > 0 and bbox[3] > 0:
            entries.append(
                dict(
                    image_id=image_id,
                    category=category,
                    bbox=bbox,
                    score=round(float(score), 5)))
    return entries


def write_detections(path: PathLike, entries: Sequence[dict]) -> None:
    """Write a detection file atomically (a reader never sees half of it)."""
    with atomic_write(path) as file:
        # one box per line: readable, and diffs stay small
        file.write('[\n' + ',\n'.join(json.dumps(e)
                                      for e in entries) + '\n]\n')


def count_without_box(detections: Detections,
                      images: Iterable[Tuple[str, str, int, int]],
                      score_thr: float = 0.0) -> int:
    """How many images have no :func:`box_in_image` (none of their category
    scoring ``score_thr``, or none with area inside the image): the images
    predicted whole.

    Args:
        images: ``(image_id, category, width, height)`` of each image.
    """
    return sum(
        box_in_image(detections, image_id, category, width, height, score_thr)
        is None for image_id, category, width, height in images)


def box_in_image(detections: Detections,
                 image_id: str,
                 category: str,
                 width: int,
                 height: int,
                 score_thr: float = 0.0) -> Optional[Detection]:
    """The image's best box of ``category``, clipped to the image.

    Args:
        detections: From :func:`best_boxes`.
        image_id: The CSV's image_id.
        category: The garment the keypoint model looks for.
        width, height: Image size, pixels.
        score_thr: Lowest score accepted.

    Returns:
        Detection | None: None when the image has no box of ``category``
        scoring ``score_thr`` or more, or its box has no area inside the
        image (callers use the whole image).
    """
    found = detections.get((image_id, category))
    if found is None or found.score < score_thr:
        return None
    clipped = np.clip(found.bbox, 0, (width, height, width, height))
    if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
        return None
    return Detection(clipped, found.score)


def garment_box(points: np.ndarray, margin: float, width: int,
                height: int) -> Optional[np.ndarray]:
    """The garment's box: the extent of its annotated points grown by
    ``margin`` of that extent on each side, inside the image.

    Args:
        points: Annotated points (K, 2), image pixels.
        margin: Fraction of the extent added on each side.
        width, height: Image size, pixels.

    Returns:
        np.ndarray | None: ``[x1, y1, x2, y2]`` float32, or None without
        points.
    """
    if len(points) == 0:
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low) * margin
    low = np.maximum(low - pad, 0)
    high = np.minimum(high + pad, (width, height))
    return np.concatenate([low, high]).astype(np.float32)
