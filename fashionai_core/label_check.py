"""Find annotation rows that are likely wrong: from their geometry alone
(:func:`check_labels`) or against a model's predictions of the same images
(:func:`check_against_predictions`).

docs/label_cleaning.md describes each reason (``swap``, ``moved``, ``same
position``, ``order``, ``far from prediction``, ``mirrored prediction``) and
its score; the constants below set their margins and :data:`THRESHOLDS`.
``moved`` fits the category's shape model
(``fashionai_core/data/shape_model.json``) to the row's other points.
"""
import csv
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

import numpy as np

from .csv_io import FashionAICSVError, FashionAIRecords
from .keypoints import (CATEGORY_KEYPOINTS, KEYPOINT_NAMES, keypoint_index,
                        left_right_pairs, mirror_name)
from .normalized_error import normalizer_distances
from .synthetic.shape_model import CategoryShapeModel, load_shape_model

#: Normalizers by which a left point must lie right of its right point.
SWAP_MARGIN = 0.05
#: Pixels within which two named points are one position.
SAME_POSITION_PX = 1.0
#: Normalizers by which an order (upper above lower) must be broken.
ORDER_MARGIN = 0.1
#: The smallest typical distance (normalizers) of a point to its prediction:
#: closer predictions count as exact, so that a near-perfect model's
#: ratios stay finite.
PREDICTION_FLOOR = 0.02
#: The lowest score that makes a suspect, per reason.
THRESHOLDS = {
    'swap': 0.75,
    'moved': 2.5,
    'same position': 10,
    'order': 5,
    'far from prediction': 2.5,
    'mirrored prediction': 2.0
}
#: (upper, lower): the first lies above the second on every garment of the
#: categories that define both.
ORDERS: Tuple[Tuple[str, str], ...] = (
    ('armpit_left', 'top_hem_left'),
    ('armpit_right', 'top_hem_right'),
    ('armpit_left', 'hemline_left'),
    ('armpit_right', 'hemline_right'),
    ('waistband_left', 'hemline_left'),
    ('waistband_right', 'hemline_right'),
    ('waistband_left', 'bottom_left_out'),
    ('waistband_right', 'bottom_right_out'),
    ('neckline_left', 'armpit_left'),
    ('neckline_right', 'armpit_right'),
)
#: The left/right pairs never reversed on the real annotations (cuffs and
#: trouser bottoms cross: 1-11% of the real rows).
RIGID_PAIRS = ('neckline_left', 'shoulder_left', 'armpit_left',
               'waistline_left', 'top_hem_left', 'waistband_left',
               'hemline_left')
#: The spread (normalizers) the shape model's fit allows a point beside
#: its modes: the ridge that keeps a few points from bending the modes.
MODE_NOISE = 0.1
#: Points that share a position on real garments: the armpit and the inner
#: cuff of a sleeveless top or dress (2.8% of the real dresses), the inner
#: trouser bottoms of legs held together (0.5% of the real trousers).
SHARED_POSITIONS = frozenset(
    frozenset(pair)
    for pair in (('armpit_left', 'cuff_left_in'),
                 ('armpit_right', 'cuff_right_in'), ('bottom_left_in',
                                                     'bottom_right_in')))

#: The columns of the suspects CSV ``tools/check_labels.py`` writes.
SUSPECTS_HEADER = [
    'rank', 'line', 'image_id', 'image_category', 'reason', 'keypoint',
    'score', 'detail'
]


@dataclass
class Suspect:
    """One reason to doubt one annotation row."""
    row: int  # index into the records
    reason: str
    score: float
    keypoint: str  # '' when the reason is the whole row
    detail: str


def check_labels(records: FashionAIRecords,
                 shape_model: Optional[str] = None) -> List[Suspect]:
    """Every suspect of ``records`` (annotations), highest score first.

    Args:
        records: An annotation file's rows.
        shape_model: The shape model JSON; the shipped one by default.

    Returns:
        list: One :class:`Suspect` per row and reason reaching
        :data:`THRESHOLDS` (per point for ``moved``).
    """
    present = records.visibility >= 0
    points = records.keypoints
    distances = normalizer_distances(points, records.visibility,
                                     records.category_ids)
    categories = np.array(records.categories)
    suspects: List[Suspect] = []
    models = load_shape_model(shape_model)
    for category, model in models.items():
        rows = np.flatnonzero(categories == category)
        if not len(rows):
            continue
        indices = [keypoint_index(name) for name in model.keypoints]
        suspects += _swaps(rows, points, present, distances, category)
        suspects += _moved(rows, points[:, indices], present[:, indices],
                           model)
        suspects += _same_positions(rows, points, present, category)
        suspects += _orders(rows, points, present, distances, category)
    return ranked(suspects)


def ranked(suspects: List[Suspect]) -> List[Suspect]:
    """``suspects`` highest score first (then by row and point)."""
    return sorted(suspects, key=lambda s: (-s.score, s.row, s.keypoint))


def _swaps(rows: np.ndarray, points: np.ndarray, present: np.ndarray,
           distances: np.ndarray, category: str) -> List[Suspect]:
    pairs = left_right_pairs(category)
    if not pairs:
        return []
    left, right = np.array(pairs).T
    both = present[rows][:, left] & present[rows][:, right]
    gap = (points[rows][:, left, 0] -
           points[rows][:, right, 0]) / distances[rows, None]
    reversed_ = both & (gap > SWAP_MARGIN)
    rigid = np.array([KEYPOINT_NAMES[k] in RIGID_PAIRS for k in left])
    counted = both & rigid
    found = []
    for i, row in enumerate(rows):
        n = counted[i].sum()
        if not n:
            continue
        names = [
            KEYPOINT_NAMES[left[k]]
            for k in np.flatnonzero(reversed_[i] & rigid)
        ]
        score = len(names) / n
        if score >= THRESHOLDS['swap']:
            found.append(
                Suspect(
                    int(row), 'swap', score, '',
                    f'{len(names)} of {n} left/right pairs reversed '
                    f'(left right of right): {", ".join(names)}'))
    return found


def _similarity_fit(source: np.ndarray, target: np.ndarray,
                    weights: np.ndarray) -> np.ndarray:
    """The similarity transforms that best map ``source`` (K, 2) to
    ``target`` (N, K, 2) in least squares, each point weighted by
    ``weights`` (N, K) (0: left out), as complex numbers (N, 2): ``(a, b)``
    with ``target = a * source + b``."""
    s = source[:, 0] + 1j * source[:, 1]
    t = target[..., 0] + 1j * target[..., 1]
    w = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
    s_mean = (w * s).sum(axis=1, keepdims=True)
    t_mean = (w * t).sum(axis=1, keepdims=True)
    s_c, t_c = s - s_mean, t - t_mean
    a = (w * np.conj(s_c) * t_c).sum(axis=1) / np.maximum(
        (w * np.abs(s_c)**2).sum(axis=1), 1e-12)
    b = t_mean[:, 0] - a * s_mean[:, 0]
    return np.stack([a, b], axis=-1)  # t = a * s + b


def _moved(rows: np.ndarray, points: np.ndarray, present: np.ndarray,
           model: CategoryShapeModel) -> List[Suspect]:
    """Leave-one-out residuals of the shape model fitted to the other
    points: a similarity that maps the mean layout onto them, then the
    principal modes (ridge least squares, each mode by its spread) in that
    frame."""
    points, present = points[rows], present[rows]
    count, keypoints = present.shape
    residuals = np.full((count, keypoints), np.nan)
    target = np.nan_to_num(points)
    mean = model.mean
    modes = model.modes  # (M, K, 2)
    ridge = np.diag((MODE_NOISE / model.mode_stddevs)**2)
    for k in range(keypoints):
        weights = present.astype(float)
        weights[:, k] = 0
        enough = weights.sum(axis=1) >= 3
        fit = _similarity_fit(mean, target, weights)
        scale = np.abs(fit[:, 0])  # pixels per normalizer
        safe = np.where(scale > 0, fit[:, 0], 1)
        # the row in the model's frame: normalizer units
        z = (target[..., 0] + 1j * target[..., 1] - fit[:, 1:2]) / safe[:,
                                                                        None]
        frame = np.stack([z.real, z.imag], axis=-1) - mean
        gram = np.einsum('rj,mjd,njd->rmn', weights, modes, modes) + ridge
        rhs = np.einsum('rj,mjd,rjd->rm', weights, modes, frame)
        coefficients = np.linalg.solve(gram, rhs[..., None])[..., 0]
        predicted = np.einsum('rm,md->rd', coefficients, modes[:, k])
        error = np.linalg.norm(predicted - frame[:, k], axis=-1)
        residuals[:, k] = np.where(enough & present[:, k] & (scale > 0), error,
                                   np.nan)
    typical = np.nanpercentile(residuals, 90, axis=0)
    found = []
    with np.errstate(invalid='ignore'):
        ratio = residuals / typical
    for i, k in zip(*np.nonzero(ratio >= THRESHOLDS['moved'])):
        found.append(
            Suspect(
                int(rows[i]), 'moved', float(ratio[i, k]), model.keypoints[k],
                f'at ({points[i, k, 0]:g}, {points[i, k, 1]:g}), '
                f'{residuals[i, k]:.2f} normalizers from where the other '
                f'points put it ({ratio[i, k]:.1f} times its usual '
                f'{typical[k]:.2f})'))
    return found


def _same_positions(rows: np.ndarray, points: np.ndarray, present: np.ndarray,
                    category: str) -> List[Suspect]:
    indices = [keypoint_index(n) for n in CATEGORY_KEYPOINTS[category]]
    found = []
    for row in rows:
        kept = [k for k in indices if present[row, k]]
        p = points[row, kept]
        close = np.linalg.norm(p[:, None] - p[None], axis=-1)
        for a, b in zip(*np.nonzero(np.triu(close <= SAME_POSITION_PX, 1))):
            if frozenset((KEYPOINT_NAMES[kept[a]],
                          KEYPOINT_NAMES[kept[b]])) in SHARED_POSITIONS:
                continue
            found.append(
                Suspect(
                    int(row), 'same position', 10.0, KEYPOINT_NAMES[kept[b]],
                    f'{KEYPOINT_NAMES[kept[a]]} and {KEYPOINT_NAMES[kept[b]]}'
                    f' both at ({p[a, 0]:g}, {p[a, 1]:g})'))
    return found


def _orders(rows: np.ndarray, points: np.ndarray, present: np.ndarray,
            distances: np.ndarray, category: str) -> List[Suspect]:
    names = CATEGORY_KEYPOINTS[category]
    found = []
    for upper, lower in ORDERS:
        if upper not in names or lower not in names:
            continue
        u, lo = keypoint_index(upper), keypoint_index(lower)
        both = present[rows, u] & present[rows, lo]
        with np.errstate(invalid='ignore'):
            depth = (points[rows, u, 1] -
                     points[rows, lo, 1]) / distances[rows]
        for i in np.flatnonzero(both & (depth > ORDER_MARGIN)):
            found.append(
                Suspect(
                    int(rows[i]), 'order', 5 + float(depth[i]), lower,
                    f'{lower} at ({points[rows[i], lo, 0]:g}, '
                    f'{points[rows[i], lo, 1]:g}) lies {depth[i]:.2f} '
                    'normalizers above '
                    f'{upper}'))
    return found


def check_against_predictions(records: FashionAIRecords,
                              predictions: FashionAIRecords
                              ) -> Tuple[List[Suspect], int]:
    """The suspects a model's predictions of the same images point at.

    Args:
        records: An annotation file's rows.
        predictions: A submission CSV's rows (``tools/predict.py``) for
            those images, matched by ``image_id``.

    Returns:
        tuple: The ``far from prediction`` and ``mirrored prediction``
        suspects, highest score first, and how many annotated rows have no
        prediction of their category (not checked). A point the prediction
        lacks (``-1_-1_-1``) is not checked.
    """
    predicted = predictions.index_of()
    rows = np.array([
        r for r, i in enumerate(records.image_ids) if i in predicted
        and predictions.categories[predicted[i]] == records.categories[r]
    ],
                    dtype=np.int64)
    guess = np.full(records.keypoints.shape, np.nan)
    if len(rows):
        source = [predicted[records.image_ids[r]] for r in rows]
        guess[rows] = np.where(predictions.visibility[source, :, None] >= 0,
                               predictions.keypoints[source],
                               np.nan)  # -1_-1_-1: no point
    labelled = (records.visibility >= 0) & np.isfinite(guess).all(axis=-1)
    distances = normalizer_distances(records.keypoints, records.visibility,
                                     records.category_ids)
    with np.errstate(invalid='ignore'):
        error = np.linalg.norm(
            records.keypoints - guess, axis=-1) / distances[:, None]
    error[~labelled] = np.nan
    found = _mirrored_predictions(records, guess, labelled, rows, distances)
    mirrored = {suspect.row for suspect in found}
    with np.errstate(invalid='ignore'), warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)  # an unused point
        typical = np.maximum(
            np.nanpercentile(error, 90, axis=0), PREDICTION_FLOOR)
        ratio = error / typical
    for row, k in zip(*np.nonzero(ratio >= THRESHOLDS['far from prediction'])):
        if row in mirrored:  # the row's reason explains its points
            continue
        found.append(
            Suspect(
                int(row), 'far from prediction', float(ratio[row, k]),
                KEYPOINT_NAMES[k], f'at ({records.keypoints[row, k, 0]:g}, '
                f'{records.keypoints[row, k, 1]:g}), {error[row, k]:.2f} '
                'normalizers from the prediction '
                f'({guess[row, k, 0]:.0f}, {guess[row, k, 1]:.0f}); '
                f'{ratio[row, k]:.1f} times its usual {typical[k]:.2f}'))
    return ranked(found), len(records) - len(rows)


def _mirrored_predictions(records: FashionAIRecords, guess: np.ndarray,
                          labelled: np.ndarray, rows: np.ndarray,
                          distances: np.ndarray) -> List[Suspect]:
    """``mirrored prediction`` suspects among ``rows``: ``guess`` (N, 24, 2)
    fits the labels (where ``labelled``) better with left and right
    exchanged; ``distances`` (N,) are the rows' normalizers in pixels."""
    # each point's mirror image's index: the pairs every category defines
    mirror = np.array([keypoint_index(mirror_name(n)) for n in KEYPOINT_NAMES])
    lateral = mirror != np.arange(len(mirror))
    found = []
    for row in rows:
        both = labelled[row] & labelled[row, mirror]
        if not (both & lateral).any():
            continue
        straight = np.linalg.norm(
            records.keypoints[row, both] - guess[row, both], axis=-1).mean()
        mirrored = np.linalg.norm(
            records.keypoints[row, both] - guess[row, mirror][both],
            axis=-1).mean()
        floor = PREDICTION_FLOOR * distances[row]  # NaN: no floor
        score = straight / max(mirrored, floor if floor > 0 else 1e-6)
        if score >= THRESHOLDS['mirrored prediction']:
            found.append(
                Suspect(
                    int(row), 'mirrored prediction', float(score), '',
                    f'the points lie {straight:.1f} px from the '
                    f'prediction, {mirrored:.1f} px from it with left '
                    'and right exchanged'))
    return found


def suspects_by_reason(suspects: List[Suspect]) -> Dict[str, int]:
    """Rows per reason (a row with two moved points counts once)."""
    rows: Dict[str, set] = {}
    for suspect in suspects:
        rows.setdefault(suspect.reason, set()).add(suspect.row)
    return {reason: len(found) for reason, found in rows.items()}


def read_excluded_ids(path: str) -> Set[str]:
    """The ``image_id`` column of a CSV listing rows to leave out (the
    suspects file of ``tools/check_labels.py``, or any CSV with that
    column, e.g. the suspects a user kept after review).

    Raises:
        FashionAICSVError: No ``image_id`` column, an empty cell, or a file
            that is not UTF-8 CSV; the message names the file and line.
        FileNotFoundError: ``path`` does not exist.
    """
    try:
        with open(path, newline='', encoding='utf-8-sig') as file:
            reader = csv.reader(file)
            header = next(reader, None) or []
            if 'image_id' not in header:
                raise FashionAICSVError(
                    path, 'no image_id column; expected the suspects CSV of '
                    'tools/check_labels.py or a CSV with an image_id column',
                    1)
            column = header.index('image_id')
            ids = set()
            for row in reader:
                if not row:
                    continue
                if len(row) <= column or not row[column].strip():
                    raise FashionAICSVError(path, 'image_id is empty',
                                            reader.line_num, column + 1)
                ids.add(row[column].strip())
    except (UnicodeDecodeError, csv.Error) as error:
        raise FashionAICSVError(
            path, f'not a UTF-8 CSV ({type(error).__name__}); expected the '
            'suspects CSV of tools/check_labels.py') from None
    return ids
