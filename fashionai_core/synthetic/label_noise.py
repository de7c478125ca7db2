"""Annotation mistakes injected into clean labels, with the truth kept.

What a label checker is measured on (``tools/check_labels.py``, its
benchmark and tests): three kinds of mistake a hand labeller makes,
drawn with a fixed seed.

* ``mirrored``: every left/right pair of the row exchanged (a garment
  labelled as seen from the back);
* ``moved``: one present point moved by 20-60% of the row's normalizer
  in a random direction, kept inside the image;
* ``duplicated``: one present point put at another present point's place.
"""
from dataclasses import dataclass, replace
from typing import Dict, List, Tuple

import numpy as np

from ..csv_io import FashionAIRecords
from ..keypoints import KEYPOINT_NAMES, left_right_pairs
from ..normalized_error import normalizer_distances

#: Default share of rows per kind of mistake.
DEFAULT_RATES = dict(mirrored=0.05, moved=0.05, duplicated=0.02)


@dataclass
class Injected:
    """One injected mistake: the row, its kind, and the point it moved
    (``''`` for a mirrored row)."""
    row: int
    kind: str
    keypoint: str


def inject_label_noise(
    records: FashionAIRecords,
    image_sizes: np.ndarray,
    seed: int = 0,
    rates: Dict[str, float] = DEFAULT_RATES
) -> Tuple[FashionAIRecords, List[Injected]]:
    """A copy of ``records`` with ``rates`` of its rows (each row at most
    one mistake) made wrong, and what was done.

    Args:
        records: Clean annotations.
        image_sizes: (N, 2) width and height of each row's image, pixels.
        seed: The draw.
        rates: Share of rows per kind (:data:`DEFAULT_RATES`).
    """
    rng = np.random.default_rng(seed)
    keypoints = records.keypoints.copy()
    visibility = records.visibility.copy()
    distances = normalizer_distances(keypoints, visibility,
                                     records.category_ids)
    order = rng.permutation(len(records))
    injected: List[Injected] = []
    start = 0
    for kind, rate in rates.items():
        count = int(round(rate * len(records)))
        for row in order[start:start + count]:
            present = np.flatnonzero(visibility[row] >= 0)
            if kind == 'mirrored':
                for a, b in left_right_pairs(records.categories[row]):
                    keypoints[row, [a, b]] = keypoints[row, [b, a]]
                    visibility[row, [a, b]] = visibility[row, [b, a]]
                injected.append(Injected(int(row), kind, ''))
            elif kind == 'moved' and np.isfinite(distances[row]):
                k = rng.choice(present)
                angle = rng.uniform(0, 2 * np.pi)
                step = rng.uniform(0.2, 0.6) * distances[row]
                moved = keypoints[row, k] + step * np.array(
                    [np.cos(angle), np.sin(angle)])
                keypoints[row,
                          k] = np.clip(np.round(moved), 0, image_sizes[row])
                injected.append(Injected(int(row), kind, KEYPOINT_NAMES[k]))
            elif kind == 'duplicated' and len(present) >= 2:
                k, other = rng.choice(present, 2, replace=False)
                keypoints[row, k] = keypoints[row, other]
                injected.append(Injected(int(row), kind, KEYPOINT_NAMES[k]))
        start += count
    return replace(
        records, keypoints=keypoints, visibility=visibility), injected
