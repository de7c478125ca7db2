"""The FashionAI keypoint definitions: the one source of truth.

Everything else (MMPose metainfo, CSV column order, flip pairs, the metric's
normalizer, drawing) is derived from the constants in this module.

Note:
    Indices are positions in :data:`KEYPOINT_NAMES`, i.e. the order of the
    keypoint columns in a FashionAI CSV (column ``2 + index``).
"""
from typing import Dict, Iterable, List, Tuple

import numpy as np

#: The 24 keypoints in CSV column order.
KEYPOINT_NAMES: Tuple[str, ...] = (
    'neckline_left', 'neckline_right', 'center_front', 'shoulder_left',
    'shoulder_right', 'armpit_left', 'armpit_right', 'waistline_left',
    'waistline_right', 'cuff_left_in', 'cuff_left_out', 'cuff_right_in',
    'cuff_right_out', 'top_hem_left', 'top_hem_right', 'waistband_left',
    'waistband_right', 'hemline_left', 'hemline_right', 'crotch',
    'bottom_left_in', 'bottom_left_out', 'bottom_right_in', 'bottom_right_out')

NUM_KEYPOINTS = len(KEYPOINT_NAMES)

#: The five garment categories, in a fixed order (used as category ids 0-4).
CATEGORIES: Tuple[str,
                  ...] = ('blouse', 'outwear', 'dress', 'skirt', 'trousers')

#: Each category's id: its position in :data:`CATEGORIES`.
CATEGORY_INDEX: Dict[str, int] = {
    name: index
    for index, name in enumerate(CATEGORIES)
}

#: The pseudo-category of a model that predicts all 24 points.
ALL_CATEGORIES = 'all'

#: The keypoints each category defines, in CSV order.
CATEGORY_KEYPOINTS: Dict[str, Tuple[str, ...]] = {
    'blouse':
    ('neckline_left', 'neckline_right', 'center_front', 'shoulder_left',
     'shoulder_right', 'armpit_left', 'armpit_right', 'cuff_left_in',
     'cuff_left_out', 'cuff_right_in', 'cuff_right_out', 'top_hem_left',
     'top_hem_right'),
    'outwear':
    ('neckline_left', 'neckline_right', 'shoulder_left', 'shoulder_right',
     'armpit_left', 'armpit_right', 'waistline_left', 'waistline_right',
     'cuff_left_in', 'cuff_left_out', 'cuff_right_in', 'cuff_right_out',
     'top_hem_left', 'top_hem_right'),
    'dress':
    ('neckline_left', 'neckline_right', 'center_front', 'shoulder_left',
     'shoulder_right', 'armpit_left', 'armpit_right', 'waistline_left',
     'waistline_right', 'cuff_left_in', 'cuff_left_out', 'cuff_right_in',
     'cuff_right_out', 'hemline_left', 'hemline_right'),
    'skirt': ('waistband_left', 'waistband_right', 'hemline_left',
              'hemline_right'),
    'trousers':
    ('waistband_left', 'waistband_right', 'crotch', 'bottom_left_in',
     'bottom_left_out', 'bottom_right_in', 'bottom_right_out'),
    ALL_CATEGORIES:
    KEYPOINT_NAMES,
}

#: CATEGORY_DEFINES[c, k] is True when the category with id c defines
#: keypoint k; shape (5, 24), bool.
CATEGORY_DEFINES: np.ndarray = np.array(
    [[name in CATEGORY_KEYPOINTS[category] for name in KEYPOINT_NAMES]
     for category in CATEGORIES])

#: The two points whose distance normalizes the error (docs/metric.md).
NORMALIZER_KEYPOINTS: Dict[str, Tuple[str, str]] = {
    'blouse': ('armpit_left', 'armpit_right'),
    'outwear': ('armpit_left', 'armpit_right'),
    'dress': ('armpit_left', 'armpit_right'),
    'skirt': ('waistband_left', 'waistband_right'),
    'trousers': ('waistband_left', 'waistband_right'),
}

#: Lines drawn between keypoints, by name; a link is drawn for a category
#: only when the category defines both ends.
SKELETON: Tuple[Tuple[str, str], ...] = (
    ('neckline_left', 'neckline_right'),
    ('neckline_left', 'center_front'),
    ('neckline_right', 'center_front'),
    ('neckline_left', 'shoulder_left'),
    ('neckline_right', 'shoulder_right'),
    ('shoulder_left', 'cuff_left_out'),
    ('cuff_left_out', 'cuff_left_in'),
    ('cuff_left_in', 'armpit_left'),
    ('shoulder_right', 'cuff_right_out'),
    ('cuff_right_out', 'cuff_right_in'),
    ('cuff_right_in', 'armpit_right'),
    ('armpit_left', 'waistline_left'),
    ('armpit_right', 'waistline_right'),
    ('waistline_left', 'top_hem_left'),
    ('waistline_right', 'top_hem_right'),
    ('armpit_left', 'top_hem_left'),
    ('armpit_right', 'top_hem_right'),
    ('top_hem_left', 'top_hem_right'),
    ('waistline_left', 'hemline_left'),
    ('waistline_right', 'hemline_right'),
    ('hemline_left', 'hemline_right'),
    ('waistband_left', 'waistband_right'),
    ('waistband_left', 'hemline_left'),
    ('waistband_right', 'hemline_right'),
    ('waistband_left', 'bottom_left_out'),
    ('waistband_right', 'bottom_right_out'),
    ('bottom_left_out', 'bottom_left_in'),
    ('bottom_right_out', 'bottom_right_in'),
    ('bottom_left_in', 'crotch'),
    ('bottom_right_in', 'crotch'),
)

#: RGB drawing colors: the image's left side, its right side, the middle.
LEFT_COLOR: Tuple[int, int, int] = (0, 200, 255)
RIGHT_COLOR: Tuple[int, int, int] = (255, 128, 0)
CENTER_COLOR: Tuple[int, int, int] = (80, 220, 80)


def keypoint_index(name: str) -> int:
    """Return the CSV-order index (0-23) of a keypoint name."""
    try:
        return KEYPOINT_NAMES.index(name)
    except ValueError:
        raise KeyError(f'unknown FashionAI keypoint {name!r}; expected one '
                       f'of {", ".join(KEYPOINT_NAMES)}') from None


def csv_columns(names: Iterable[str]) -> np.ndarray:
    """CSV column (0-23) of each of a model's keypoints, shape (K,)."""
    return np.array([keypoint_index(name) for name in names])


def check_category(category: str, allow_all: bool = True) -> str:
    """Return ``category`` if it names a FashionAI category, else raise.

    Args:
        category: One of :data:`CATEGORIES`, or ``'all'`` when
            ``allow_all`` is true. Case matters, as in the CSV files.
        allow_all: Whether the ``'all'`` pseudo-category is accepted.
    """
    valid = CATEGORIES + ((ALL_CATEGORIES, ) if allow_all else ())
    if category not in valid:
        raise ValueError(f'unknown FashionAI category {category!r}; '
                         f'expected one of {", ".join(valid)}')
    return category


def category_keypoint_indices(category: str) -> List[int]:
    """Return the CSV-order indices of the keypoints ``category`` defines."""
    check_category(category)
    return [keypoint_index(name) for name in CATEGORY_KEYPOINTS[category]]


def num_category_keypoints(category: str) -> int:
    """Return how many keypoints ``category`` defines (24 for ``'all'``)."""
    check_category(category)
    return len(CATEGORY_KEYPOINTS[category])


def mirror_name(name: str) -> str:
    """Return the name of the keypoint a horizontal flip maps ``name`` to.

    ``*_left*`` and ``*_right*`` points swap; ``center_front`` and ``crotch``
    map to themselves.
    """
    if '_left' in name:
        return name.replace('_left', '_right')
    if '_right' in name:
        return name.replace('_right', '_left')
    return name


def left_right_pairs(category: str) -> List[Tuple[int, int]]:
    """(left, right) CSV-order indices of the mirrored pairs ``category``
    defines (``neckline_left``/``neckline_right``, ...)."""
    names = CATEGORY_KEYPOINTS[check_category(category)]
    return [(keypoint_index(name), keypoint_index(mirror_name(name)))
            for name in names if 'left' in name and mirror_name(name) in names]


def side_color(name: str) -> Tuple[int, int, int]:
    """Return the drawing color of a keypoint by the side it lies on."""
    if '_left' in name:
        return LEFT_COLOR
    if '_right' in name:
        return RIGHT_COLOR
    return CENTER_COLOR
