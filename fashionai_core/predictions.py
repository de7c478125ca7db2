"""What every predictor does around its model: check that each test image's
category has a model, and turn predicted points into submission records."""
from typing import Iterable, Optional

import numpy as np

from .csv_io import FashionAIRecords
from .keypoints import (ALL_CATEGORIES, CATEGORY_DEFINES, CATEGORY_KEYPOINTS,
                        check_category)


def check_models_cover(image_categories: Iterable[str],
                       categories: Iterable[str], source: str) -> None:
    """Raise ValueError naming ``source`` if an image's category (one per
    image in ``image_categories``) has no model among ``categories`` (and
    there is no ``'all'`` model)."""
    categories = set(categories)
    if ALL_CATEGORIES in categories:
        return
    uncovered = sorted(set(image_categories) - categories)
    if uncovered:
        raise ValueError(f'{source} has {", ".join(uncovered)} images but no '
                         'model was given for them (nor an "all" model)')


def check_model_category(source: str, model_category: str,
                         category: str) -> None:
    """Raise ValueError naming ``source`` and both categories unless a model
    of ``model_category`` predicts ``category``'s points (its own category,
    or all 24)."""
    check_category(category)
    if model_category not in (category, ALL_CATEGORIES):
        raise ValueError(
            f'{source} predicts {model_category} '
            f'({len(CATEGORY_KEYPOINTS[model_category])} keypoints), not '
            f'{category}')


def with_predictions(records: FashionAIRecords,
                     predictions: np.ndarray,
                     scores: Optional[np.ndarray] = None) -> FashionAIRecords:
    """Put predicted points (N, 24, 2) into ``records`` as a submission:
    points the image's category does not define (an ``'all'`` model
    predicts all 24) become NaN and absent, the others visible. ``scores``
    (N, 24), the models' confidence in each point, become
    ``records.scores`` (NaN where the category defines no point).

    Raises:
        ValueError: A point the category defines is not finite (a broken
            model), naming the first such image; nothing is written.
    """
    defined = CATEGORY_DEFINES[records.category_ids]
    broken = np.flatnonzero(
        (defined & ~np.isfinite(predictions).all(axis=-1)).any(axis=1))
    if len(broken):
        first = broken[0]
        raise ValueError(
            f'{len(broken)} images got NaN or infinite points from their '
            f'{records.categories[first]} model, first '
            f'{records.image_ids[first]}; expected finite pixels (is the '
            'model broken?)')
    predictions[~defined] = np.nan
    records.keypoints = predictions
    if scores is not None:
        records.scores = np.where(defined, scores, np.nan)
    records.visibility = np.where(np.isnan(predictions[..., 0]), -1,
                                  1).astype(np.int8)
    return records
