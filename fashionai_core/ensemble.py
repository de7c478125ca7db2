"""Averaging submissions, and choosing models per category by their NE."""
import itertools
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .csv_io import FashionAIRecords
from .keypoints import CATEGORIES
from .submission_evaluation import align_submission, evaluate_submission


def mean_submission(submissions: Sequence[FashionAIRecords],
                    weights: Optional[Sequence[float]] = None
                    ) -> FashionAIRecords:
    """The weighted mean of submissions for the same images.

    Args:
        submissions: Read with ``allow_decimal=True``; the first sets the
            images, their order and categories, and every other must list
            the same images with the same categories and every point each
            category defines.
        weights: One per submission, non-negative with a positive sum;
            default: equal.

    Returns:
        FashionAIRecords: The first submission's rows with the mean points
        (original-image pixels) of every defined point.

    Raises:
        FashionAICSVError: A submission disagrees with the first (another
            image, a missing image, another category, a missing point),
            naming the file, line and column.
        ValueError: Wrong number of weights, or bad weights.
    """
    weights = normalized_weights(weights, len(submissions))
    reference = submissions[0]
    align_submission(reference, reference)  # every defined point present
    total = np.zeros_like(reference.keypoints)
    for submission, weight in zip(submissions, weights):
        # every image of each in the other: the same images (the reader
        # refuses an image listed twice)
        order = align_submission(reference, submission)
        total += weight * submission.keypoints[order]
    defined = reference.visibility == 1
    keypoints = np.where(defined[..., None], total, np.nan)
    return FashionAIRecords(
        path=reference.path,
        image_ids=list(reference.image_ids),
        categories=list(reference.categories),
        lines=reference.lines.copy(),
        keypoints=keypoints,
        visibility=reference.visibility.copy())


def normalized_weights(weights: Optional[Sequence[float]],
                       count: int) -> np.ndarray:
    """Weights that sum to 1, one per input.

    Args:
        weights: Finite, non-negative, with a positive sum; ``None`` gives
            equal weights.
        count: How many inputs.

    Raises:
        ValueError: Another number of weights, or bad values.
    """
    if weights is None:
        return np.full(count, 1.0 / count)
    weights = np.asarray(weights, dtype=np.float64)
    if len(weights) != count:
        raise ValueError(f'{len(weights)} weights for {count} inputs; '
                         'expected one weight per input')
    if (weights < 0).any() or not np.isfinite(weights).all() or (weights.sum()
                                                                 <= 0):
        raise ValueError(f'weights {weights.tolist()}: expected finite, '
                         'non-negative numbers with a positive sum')
    return weights / weights.sum()


@dataclass
class CategoryChoice:
    """The best model, or ensemble of models, for one category.

    Attributes:
        category: The category.
        members: The chosen models' names (one, or an ensemble's).
        ne: Their NE on the category's validation images, percent.
    """
    category: str
    members: Tuple[str, ...]
    ne: float


def per_category_ne(annotations: FashionAIRecords,
                    predictions: Dict[str, FashionAIRecords]
                    ) -> Dict[str, Dict[str, float]]:
    """NE (percent) of each model on each category's validation images.

    Args:
        annotations: The validation ground truth.
        predictions: Model name -> its validation submission.

    Returns:
        dict: Model name -> category -> NE; a category without counted
        points is left out.
    """
    table = {}
    for name, submission in predictions.items():
        summary = evaluate_submission(annotations, submission).summary
        table[name] = {
            category: summary[f'NE/{category}']
            for category in CATEGORIES if f'NE/{category}' in summary
        }
    return table


def best_in_table(table: Dict[str, Dict[str, float]]) -> List[CategoryChoice]:
    """The lowest-NE single model of each category in a table.

    Args:
        table: Model name -> category -> NE (percent), as
            :func:`per_category_ne` gives it or read from results files.

    Returns:
        list: One choice per category that any model has, in
        :data:`CATEGORIES` order; ties go to the earlier model.
    """
    choices = []
    for category in CATEGORIES:
        scored = [(ne[category], name) for name, ne in table.items()
                  if category in ne]
        if scored:
            ne, name = min(scored, key=lambda pair: pair[0])
            choices.append(CategoryChoice(category, (name, ), ne))
    return choices


def choose_per_category(annotations: FashionAIRecords,
                        predictions: Dict[str, FashionAIRecords],
                        max_members: int = 1) -> List[CategoryChoice]:
    """The lowest-NE model or equal-weight ensemble for each category.

    Args:
        annotations: The validation ground truth.
        predictions: Model name -> its validation submission.
        max_members: Largest ensemble tried (1: single models only). The
            2018 rules allowed two models per category, the detector
            included.

    Returns:
        list: One choice per category with validation images, in
        :data:`CATEGORIES` order; ties go to fewer members, then to the
        order of ``predictions``.
    """
    names = list(predictions)
    choices = []
    for category in CATEGORIES:
        if category not in annotations.categories:
            continue
        best = None
        for size in range(1, min(max_members, len(names)) + 1):
            for members in itertools.combinations(names, size):
                merged = mean_submission([predictions[m] for m in members])
                summary = evaluate_submission(annotations, merged,
                                              category).summary
                ne = summary['NE']
                if best is None or ne < best.ne:
                    best = CategoryChoice(category, members, ne)
        choices.append(best)
    return choices
