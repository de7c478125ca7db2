"""Pseudo-labels: a model's predictions written as training annotations.

A predicted point becomes a label (``x_y_1``) when the model's score for it
reaches a threshold, and ``-1_-1_-1`` (absent: no training target) below
it. The file has the competition's annotation layout with the predictions'
sub-pixel part kept (two decimals, as submissions): a training dataset reads
it with ``allow_decimal=True``. The scores go to a side file beside it, so
that a threshold can be chosen again without predicting again.
"""
from typing import List, Optional, Sequence

import numpy as np

from .csv_io import (IMAGE_LIST_HEADER, FashionAIRecords, write_annotations,
                     write_csv)
from .image_check import inside_image
from .keypoints import CATEGORY_DEFINES, KEYPOINT_NAMES

#: Digits after the decimal point of pseudo-label coordinates.
PSEUDO_LABEL_DECIMALS = 2


def scores_path(out_csv: str) -> str:
    """The scores side file of a pseudo-label CSV: ``X.csv`` ->
    ``X.scores.csv``."""
    stem = out_csv[:-4] if out_csv.lower().endswith('.csv') else out_csv
    return stem + '.scores.csv'


def pseudo_label_visibility(records: FashionAIRecords,
                            min_score: Optional[float],
                            image_sizes: np.ndarray) -> np.ndarray:
    """``v`` of each pseudo-label: 1 where the category defines the point,
    its score reaches ``min_score`` and it lies in its image (an annotation
    outside its image is refused by the dataset), else -1; shape (N, 24),
    int8.

    Args:
        records: Predictions with ``scores`` (a predictor's output).
        min_score: Lowest score kept, in the models' own score units (the
            heatmap peak for heatmap models); ``None`` keeps every score.
        image_sizes: Each image's (width, height) in pixels, shape (N, 2).
    """
    kept = CATEGORY_DEFINES[records.category_ids] & inside_image(
        records.keypoints, image_sizes[:, None, :])
    if min_score is not None:
        with np.errstate(invalid='ignore'):  # NaN: undefined points
            kept &= records.scores >= min_score
    return np.where(kept, 1, -1).astype(np.int8)


def write_pseudo_labels(out_csv: str, records: FashionAIRecords,
                        visibility: np.ndarray) -> str:
    """Write the pseudo-label CSV and its scores side file, each atomically
    (the scores first: a finished CSV always has its scores).

    Args:
        out_csv: The annotation CSV to write.
        records: Predictions with ``keypoints`` and ``scores``.
        visibility: From :func:`pseudo_label_visibility`.

    Returns:
        str: The scores file's path.
    """
    side = scores_path(out_csv)
    write_csv(
        side, IMAGE_LIST_HEADER + list(KEYPOINT_NAMES),
        ([image_id, category] +
         ['' if np.isnan(score) else f'{score:.6g}' for score in point_scores]
         for image_id, category, point_scores in zip(
             records.image_ids, records.categories, records.scores)))
    write_annotations(out_csv, records.image_ids, records.categories,
                      records.keypoints, visibility, PSEUDO_LABEL_DECIMALS)
    return side


#: Column names of :func:`kept_table`.
KEPT_TABLE_HEADER = ('keypoint', 'points', 'kept', 'dropped', 'kept %',
                     'mean score')


def kept_table(records: FashionAIRecords,
               visibility: np.ndarray) -> List[Sequence]:
    """Per keypoint: points predicted, kept, dropped, kept %, mean score.

    Rows for the keypoints some image's category defines, in CSV order,
    and a last ``all`` row.
    """
    defined = CATEGORY_DEFINES[records.category_ids]
    kept = visibility == 1
    rows = []
    for index, name in enumerate(KEYPOINT_NAMES):
        total = int(defined[:, index].sum())
        if total:
            rows.append(
                _row(name, total, int(kept[:, index].sum()),
                     records.scores[defined[:, index], index]))
    rows.append(
        _row('all', int(defined.sum()), int(kept.sum()),
             records.scores[defined]))
    return rows


def _row(name: str, total: int, kept: int, scores: np.ndarray) -> Sequence:
    return (name, total, kept, total - kept, f'{100 * kept / total:.1f}',
            f'{float(np.mean(scores)):.3f}')
