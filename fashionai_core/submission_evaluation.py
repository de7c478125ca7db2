"""Evaluate a submission CSV against an annotation CSV."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from .csv_io import FashionAICSVError, FashionAIRecords
from .keypoints import CATEGORY_DEFINES, KEYPOINT_NAMES, check_category
from .normalized_error import NormalizedErrors, normalized_errors, summarize


@dataclass
class SubmissionEvaluation:
    """The result of :func:`evaluate_submission`.

    Attributes:
        summary: As :func:`normalized_error.summarize`.
        errors: Per-point errors of the evaluated images.
        image_ids: The evaluated images, in annotation-file order.
    """
    summary: Dict[str, float]
    errors: NormalizedErrors
    image_ids: List[str]


def evaluate_submission(annotations: FashionAIRecords,
                        predictions: FashionAIRecords,
                        category: Optional[str] = None
                        ) -> SubmissionEvaluation:
    """Check a submission against the annotations and compute its NE.

    Args:
        annotations: Ground truth, read with :func:`read_fashionai_csv`.
        predictions: The submission, read with ``allow_decimal=True``.
        category: Evaluate only this category's images (both files may hold
            others); ``None`` evaluates every annotated image.

    Returns:
        SubmissionEvaluation: The figures, and the per-point errors.

    Raises:
        FashionAICSVError: The submission has no keypoint columns, lists an
            image the annotations do not (an unknown image), gives an image
            another category, lacks an annotated image, or lacks a point the
            image's category defines.
    """
    if not annotations.has_keypoints:
        raise FashionAICSVError(annotations.path,
                                'expected annotations with keypoint columns')
    if category is not None:
        check_category(category, allow_all=False)
    wanted = [
        row for row, c in enumerate(annotations.categories)
        if category in (None, c)
    ]
    order = align_submission(annotations, predictions, wanted)
    wanted = np.array(wanted, dtype=np.int64)
    errors = normalized_errors(
        pred_keypoints=predictions.keypoints[order],
        gt_keypoints=annotations.keypoints[wanted],
        gt_visibility=annotations.visibility[wanted],
        category_ids=annotations.category_ids[wanted])
    return SubmissionEvaluation(
        summary=summarize(errors),
        errors=errors,
        image_ids=[annotations.image_ids[row] for row in wanted])


def align_submission(reference: FashionAIRecords,
                     submission: FashionAIRecords,
                     rows: Optional[Sequence[int]] = None) -> np.ndarray:
    """Check a submission against a reference list and match their rows.

    Args:
        reference: The images the submission must cover: annotations, a
            test list or another submission.
        submission: Read with ``allow_decimal=True``.
        rows: The reference rows that need a prediction (default: all).

    Returns:
        np.ndarray: For each of ``rows``, the submission's row, shape (R,).

    Raises:
        FashionAICSVError: The submission has no keypoint columns, lists an
            image the reference does not, gives an image another category,
            lacks an image of ``rows``, or lacks a point the image's
            category defines.
    """
    if not submission.has_keypoints:
        raise FashionAICSVError(
            submission.path, 'expected a submission with the 24 keypoint '
            'columns, found a test list', 1)
    if rows is None:
        rows = range(len(reference))
    reference_rows = reference.index_of()
    submitted_rows = submission.index_of()
    for row, image_id in enumerate(submission.image_ids):
        line = int(submission.lines[row])
        if image_id not in reference_rows:
            raise FashionAICSVError(
                submission.path, f'unknown image {image_id!r}: not in '
                f'{reference.path}', line, 1)
        expected = reference.categories[reference_rows[image_id]]
        if submission.categories[row] != expected:
            raise FashionAICSVError(
                submission.path,
                f'{image_id} is {submission.categories[row]!r} '
                f'here but {expected!r} in {reference.path}', line, 2)
    order = []
    for row in rows:
        image_id = reference.image_ids[row]
        if image_id not in submitted_rows:
            raise FashionAICSVError(
                submission.path, f'no prediction for image {image_id!r} '
                f'(line {int(reference.lines[row])} of {reference.path})')
        order.append(submitted_rows[image_id])
    order = np.array(order, dtype=np.int64)
    _check_defined_points_predicted(submission, order)
    return order


def _check_defined_points_predicted(predictions: FashionAIRecords,
                                    rows: np.ndarray) -> None:
    """Raise if a row lacks a point its category defines."""
    defines = CATEGORY_DEFINES[predictions.category_ids[rows]]
    missing = np.argwhere(defines & (predictions.visibility[rows] == -1))
    if len(missing):
        row, point = rows[missing[0, 0]], int(missing[0, 1])
        category = predictions.categories[row]
        name = KEYPOINT_NAMES[point]
        raise FashionAICSVError(
            predictions.path, f'no prediction for {name}, which {category} '
            'defines; expected x_y_1', int(predictions.lines[row]), 3 + point)
