"""FashionAI annotations as COCO keypoints, and back.

Annotation tools (CVAT, Label Studio) export keypoints as COCO JSON,
MMPose's own format. A FashionAI file becomes one COCO category per garment
(``id`` 1-5 in :data:`~fashionai_core.keypoints.CATEGORIES` order), with
that garment's keypoint names in CSV order and its skeleton; one image and
one annotation per row. Visibility maps ``v`` 1 / 0 / -1 (visible,
occluded, absent) to COCO's 2 / 1 / 0; an absent point is ``0, 0, 0``.

The way back maps points **by name**, whatever order the tool listed them
in, and categories by name (``name_map`` renames a tool's names first).
Coordinates round to whole pixels, as the competition's annotations are.
"""
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .csv_io import FashionAIRecords
from .keypoints import (CATEGORIES, CATEGORY_KEYPOINTS, KEYPOINT_NAMES,
                        NUM_KEYPOINTS, SKELETON)
from .paths import image_id_problem

#: FashionAI ``v`` -> COCO visibility, and back.
COCO_VISIBILITY = {1: 2, 0: 1, -1: 0}
FASHIONAI_VISIBILITY = {2: 1, 1: 0, 0: -1}


class CocoFormatError(ValueError):
    """A COCO file that cannot become FashionAI rows; the message names the
    file and the entry (``annotations[3].keypoints``)."""


def coco_categories() -> List[Dict[str, Any]]:
    """The five garment categories with keypoint names and 1-based skeleton
    pairs (COCO's convention)."""
    categories = []
    for index, category in enumerate(CATEGORIES, 1):
        names = list(CATEGORY_KEYPOINTS[category])
        skeleton = [[names.index(a) + 1,
                     names.index(b) + 1] for a, b in SKELETON
                    if a in names and b in names]
        categories.append(
            dict(
                id=index,
                name=category,
                supercategory='garment',
                keypoints=names,
                skeleton=skeleton))
    return categories


def to_coco(records: FashionAIRecords,
            sizes: Sequence[Tuple[int, int]]) -> Dict[str, Any]:
    """A COCO keypoint document of annotated records.

    Args:
        records: An annotation CSV's rows (with keypoints).
        sizes: ``(width, height)`` of each row's image, pixels.

    Returns:
        dict: ``images``, ``annotations`` (``bbox`` [x, y, w, h] around the
        points that are not absent, ``area``, ``num_keypoints``) and
        ``categories``.
    """
    images, annotations = [], []
    for row, (image_id, category) in enumerate(
            zip(records.image_ids, records.categories)):
        width, height = sizes[row]
        images.append(
            dict(id=row + 1, file_name=image_id, width=width, height=height))
        flat, present = [], []
        for name in CATEGORY_KEYPOINTS[category]:
            k = KEYPOINT_NAMES.index(name)
            v = int(records.visibility[row, k])
            x, y = (float(c) for c in records.keypoints[row, k])
            if v == -1:
                flat += [0, 0, 0]
                continue
            flat += [_plain(x), _plain(y), COCO_VISIBILITY[v]]
            present.append((x, y))
        if present:
            points = np.array(present)
            low, high = points.min(axis=0), points.max(axis=0)
            bbox = [
                _plain(low[0]),
                _plain(low[1]),
                _plain(high[0] - low[0]),
                _plain(high[1] - low[1])
            ]
        else:
            bbox = [0, 0, width, height]
        annotations.append(
            dict(
                id=row + 1,
                image_id=row + 1,
                category_id=CATEGORIES.index(category) + 1,
                keypoints=flat,
                num_keypoints=len(present),
                bbox=bbox,
                area=float(bbox[2] * bbox[3]),
                iscrowd=0))
    return dict(
        images=images, annotations=annotations, categories=coco_categories())


def _plain(value: float) -> Any:
    """A whole number as an int (the JSON reads as the CSV did)."""
    return int(value) if float(value).is_integer() else float(value)


def _key(value: Any) -> Any:
    """``value`` if it can be a COCO id (a number or a string), else None."""
    ok = isinstance(value, (int, str)) and not isinstance(value, bool)
    return value if ok else None


def from_coco(
    document: Any,
    source: str,
    name_map: Optional[Mapping[str, str]] = None
) -> Tuple[List[str], List[str], np.ndarray, np.ndarray]:
    """FashionAI rows from a COCO keypoint document.

    Args:
        document: The parsed JSON.
        source: The file, named in errors.
        name_map: A tool's keypoint or category name -> the FashionAI name.

    Returns:
        tuple: ``image_ids`` (the images' ``file_name``), ``categories``,
        ``keypoints`` (N, 24, 2) whole pixels and ``visibility`` (N, 24),
        one row per annotation, in the file's annotation order.

    Raises:
        CocoFormatError: A missing field, an unknown category or keypoint
            name, an image listed twice or annotated twice, a point outside
            its image, a visibility other than 0/1/2; the entry is named.
    """
    name_map = dict(name_map or {})

    def fail(where: str, message: str) -> None:
        raise CocoFormatError(f'{source}, {where}: {message}')

    if not isinstance(document, dict):
        fail(
            'top level', 'expected a COCO object with images, annotations '
            'and categories')
    for key in ('images', 'annotations', 'categories'):
        if not isinstance(document.get(key), list):
            fail(key, 'missing, or not a list')
    categories = {}
    for index, entry in enumerate(document['categories']):
        where = f'categories[{index}]'
        if not isinstance(entry, dict) or not isinstance(
                entry.get('keypoints'), list) or _key(entry.get('id')) is None:
            fail(where, 'expected id, name and keypoints')
        name = entry.get('name')
        name = name_map.get(name, name) if isinstance(name, str) else None
        if name not in CATEGORIES:
            fail(
                f'{where}.name', f'{entry.get("name")!r} is not a FashionAI '
                f'category ({", ".join(CATEGORIES)}); rename it with '
                f'--map {entry.get("name")}=CATEGORY')
        columns = []
        for k, point in enumerate(entry['keypoints']):
            mapped = name_map.get(point, point) if isinstance(point,
                                                              str) else None
            if mapped not in CATEGORY_KEYPOINTS[name]:
                fail(
                    f'{where}.keypoints[{k}]', f'{point!r} is not a {name} '
                    f'keypoint ({", ".join(CATEGORY_KEYPOINTS[name])}); '
                    f'rename it with --map {point}=NAME')
            columns.append(KEYPOINT_NAMES.index(mapped))
        if len(set(columns)) != len(columns):
            fail(f'{where}.keypoints', 'names a keypoint twice')
        categories[entry['id']] = (name, columns)
    images, file_names = {}, set()
    for index, entry in enumerate(document['images']):
        where = f'images[{index}]'
        if not isinstance(entry, dict) or not all(
                k in entry for k in ('id', 'file_name', 'width', 'height')):
            fail(where, 'expected id, file_name, width and height')
        if not all(
                isinstance(entry[k], int) and not isinstance(entry[k], bool)
                and entry[k] > 0 for k in ('width', 'height')):
            fail(
                where, f'width {entry["width"]!r}, height '
                f'{entry["height"]!r}; expected whole pixels')
        if _key(entry['id']) is None:
            fail(f'{where}.id', f'{entry["id"]!r}; expected a number')
        if entry['id'] in images:
            fail(f'{where}.id', f'image id {entry["id"]!r} is listed twice')
        problem = isinstance(entry['file_name'], str) and image_id_problem(
            entry['file_name'])
        if not isinstance(entry['file_name'], str) or problem:
            fail(
                f'{where}.file_name', f'{entry["file_name"]!r} '
                f'{problem or "is not a path"}; expected a path relative '
                'to the image root, inside it')
        if entry['file_name'] in file_names:
            fail(f'{where}.file_name',
                 f'{entry["file_name"]!r} is listed twice')
        file_names.add(entry['file_name'])
        images[entry['id']] = entry
    image_ids, names, rows_points, rows_visibility = [], [], [], []
    annotated = set()
    for index, entry in enumerate(document['annotations']):
        where = f'annotations[{index}]'
        if not isinstance(entry, dict):
            fail(where, 'expected an object')
        image = images.get(_key(entry.get('image_id')))
        if image is None:
            fail(f'{where}.image_id',
                 f'{entry.get("image_id")!r} is not in images')
        if entry['image_id'] in annotated:
            fail(
                f'{where}.image_id', f'{image["file_name"]} has a second '
                'annotation; a FashionAI row holds one garment per image')
        annotated.add(entry['image_id'])
        if _key(entry.get('category_id')) not in categories:
            fail(f'{where}.category_id',
                 f'{entry.get("category_id")!r} is not in categories')
        category, columns = categories[entry['category_id']]
        flat = entry.get('keypoints')
        if not isinstance(flat, list) or len(flat) != 3 * len(columns):
            fail(
                f'{where}.keypoints', f'expected {3 * len(columns)} numbers '
                f'(x, y, v for each of {category}\'s listed keypoints)')
        points = np.full((NUM_KEYPOINTS, 2), -1.0)
        visibility = np.full(NUM_KEYPOINTS, -1, dtype=np.int8)
        for k, column in enumerate(columns):
            x, y, v = flat[3 * k:3 * k + 3]
            if isinstance(v, float) and v.is_integer():
                v = int(v)  # some tools write 2.0
            here = f'{where}.keypoints[{3 * k}:{3 * k + 3}]'
            if _key(v) not in FASHIONAI_VISIBILITY:
                fail(here, f'visibility {v!r}; expected 0, 1 or 2')
            if v == 0:
                continue
            if not all(
                    isinstance(c, (int, float)) and not isinstance(c, bool)
                    and np.isfinite(c) for c in (x, y)):
                fail(here, f'({x!r}, {y!r}) is not a point in pixels')
            x, y = int(round(x)), int(round(y))
            if not (0 <= x <= image['width'] and 0 <= y <= image['height']):
                fail(
                    here, f'{KEYPOINT_NAMES[column]} ({x}, {y}) is outside '
                    f'its {image["width"]}x{image["height"]} image')
            points[column] = x, y
            visibility[column] = FASHIONAI_VISIBILITY[v]
        image_ids.append(image['file_name'])
        names.append(category)
        rows_points.append(points)
        rows_visibility.append(visibility)
    if not image_ids:
        fail('annotations', 'no annotations; expected at least one')
    return image_ids, names, np.stack(rows_points), np.stack(rows_visibility)
