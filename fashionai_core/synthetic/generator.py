"""Write a synthetic FashionAI-format dataset in the competition layout.

``<out>/train/Annotations/train.csv``, ``<out>/val/Annotations/val.csv``,
``<out>/test/test.csv`` (image_id,image_category) with its answers in
``<out>/test/Annotations/test_answers.csv``, and every split's images under
``<split>/Images/<category>/<md5>.jpg``. Each image is rendered from its own
random stream, seeded by (seed, split, category, index), so the output is
deterministic for a seed whatever the number of worker processes.

With ``scenes=True`` each image is a scene where a detector matters: the
labelled garment fills only part of the picture (its own canvas is 40-70%
of the image's sides, anywhere in it), over the same clutter, and half of the
images also hold a second, unlabelled garment of another category behind it.
"""
import hashlib
import json
import multiprocessing
import os
import os.path as osp
import shutil
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
from tqdm import tqdm

from fashionai_core.atomic import atomic_write
from fashionai_core.csv_io import (ABSENT_CELL, ANNOTATION_HEADER,
                                   IMAGE_LIST_HEADER, format_cell,
                                   read_fashionai_csv, write_csv)
from fashionai_core.keypoints import (CATEGORIES, KEYPOINT_NAMES,
                                      NORMALIZER_KEYPOINTS)
from .render import render_background, render_garment, render_occluders
from .shape_model import (REFERENCE_SIZE, CategoryShapeModel, load_shape_model,
                          normalizer_stats)

SPLITS = ('train', 'val', 'test')
#: Annotation file of each split, relative to the split folder.
ANNOTATION_FILES = {
    'train': 'Annotations/train.csv',
    'val': 'Annotations/val.csv',
    'test': 'Annotations/test_answers.csv',
}
TEST_LIST = 'test.csv'
#: Fraction of images that are not square (long side 512, short 340-500).
NON_SQUARE_FRACTION = 0.15
MAX_ROTATION_DEG = 12.0
#: Scenes: the labelled garment's canvas, as a fraction of the image sides.
SCENE_GARMENT_SCALE = (0.4, 0.7)
#: Scenes: the unlabelled second garment's canvas, same units.
SCENE_DISTRACTOR_SCALE = (0.35, 0.6)
#: Scenes: share of images with a second, unlabelled garment.
SCENE_DISTRACTOR_PROB = 0.5

_shape_models: Dict[str, CategoryShapeModel] = {}


def _models() -> Dict[str, CategoryShapeModel]:
    if not _shape_models:
        _shape_models.update(load_shape_model())
    return _shape_models


def image_id_for(seed: int,
                 split: str,
                 category: str,
                 index: int,
                 scenes: bool = False) -> str:
    """The ``image_id`` of one synthetic image (an md5, as in the release)."""
    kind = 'scene' if scenes else 'synthetic'
    digest = hashlib.md5(
        f'fashionai-{kind}-{seed}-{split}-{category}-{index}'.encode())
    return f'Images/{category}/{digest.hexdigest()}.jpg'


def _image_size(rng: np.random.Generator) -> Tuple[int, int]:
    if rng.random() >= NON_SQUARE_FRACTION:
        return REFERENCE_SIZE, REFERENCE_SIZE
    short = int(rng.integers(340, 500))
    return ((REFERENCE_SIZE, short) if rng.random() < 0.5 else
            (short, REFERENCE_SIZE))


def _place(rng: np.random.Generator, model: CategoryShapeModel, width: int,
           height: int) -> Tuple[np.ndarray, float]:
    """Sample a layout and place it inside the image.

    The normalizer length follows the real distribution; the midpoint is
    drawn from the real distribution, then moved just enough for every point
    to lie inside the image (rejecting instead would favour small garments).

    Returns integer pixel points (K, 2) and the normalizer length used.
    """
    margin = 3
    fit = min(width, height) / REFERENCE_SIZE
    ends = [
        model.keypoints.index(n) for n in NORMALIZER_KEYPOINTS[model.category]
    ]
    size = np.array([width - 1 - margin, height - 1 - margin], dtype=float)
    for attempt in range(200):
        # a large garment keeps its size and tries other (more compact)
        # layouts first, as close-up photos in the real data do
        if attempt % 25 == 0:
            normalizer = model.sample_normalizer(rng) * fit
        layout = model.sample_layout(rng)
        # one normalizer unit must stay the distance between its endpoints
        layout /= np.linalg.norm(layout[ends[0]] - layout[ends[1]])
        angle = np.deg2rad(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG))
        rotation = np.array([[np.cos(angle), -np.sin(angle)],
                             [np.sin(angle), np.cos(angle)]])
        offsets = (layout - layout[ends].mean(axis=0)) * normalizer
        offsets = offsets @ rotation.T
        low = margin - offsets.min(axis=0)
        high = size - offsets.max(axis=0)
        if (low <= high).all():
            break
    else:
        raise RuntimeError(f'cannot fit a {model.category} in {width}x'
                           f'{height} pixels; is the shape model sound?')
    midpoint = (
        np.array([width, height]) / 2 +
        (model.midpoint_mean + rng.standard_normal(2) * model.midpoint_std) *
        fit)
    points = np.round(np.clip(midpoint, low, high) + offsets)
    return np.clip(points, margin, size).astype(np.int64), normalizer


class _Garment(NamedTuple):
    """One garment's geometry in image pixels."""
    category: str
    names: List[str]
    points: np.ndarray  # (K, 2) int
    present: np.ndarray  # (K,) bool
    normalizer: float


def _sample_garment(rng: np.random.Generator, category: str, width: int,
                    height: int) -> _Garment:
    model = _models()[category]
    points, normalizer = _place(rng, model, width, height)
    return _Garment(category, model.keypoints, points,
                    model.sample_presence(rng), normalizer)


def _in_scene(rng: np.random.Generator, category: str, width: int, height: int,
              scale: Tuple[float, float]) -> _Garment:
    """A garment on a canvas of ``scale`` of the image, placed anywhere."""
    fraction = rng.uniform(*scale)
    canvas = (int(width * fraction), int(height * fraction))
    garment = _sample_garment(rng, category, *canvas)
    offset = rng.integers(0, (width - canvas[0] + 1, height - canvas[1] + 1))
    return garment._replace(points=garment.points + offset)


def _sample_annotation(
        rng: np.random.Generator, category: str, scenes: bool
) -> Tuple[int, int, _Garment, np.ndarray, Optional[_Garment]]:
    """Draw image size, layout, presence and occlusion from ``rng``.

    Returns the image size, the labelled garment, which of its points are
    occluded, and in scenes the unlabelled second garment (or None).
    """
    width, height = _image_size(rng)
    if not scenes:
        garment = _sample_garment(rng, category, width, height)
    else:
        garment = _in_scene(rng, category, width, height, SCENE_GARMENT_SCALE)
    occluded = garment.present & _models()[category].sample_occlusion(rng)
    distractor = None
    if scenes and rng.random() < SCENE_DISTRACTOR_PROB:
        others = [c for c in CATEGORIES if c != category]
        distractor = _in_scene(rng, others[rng.integers(len(others))], width,
                               height, SCENE_DISTRACTOR_SCALE)
    return width, height, garment, occluded, distractor


def _csv_row(image_id: str, category: str, names: Sequence[str],
             points: np.ndarray, present: np.ndarray,
             occluded: np.ndarray) -> List[str]:
    cells = {
        name: format_cell(point[0], point[1], 0 if hidden else 1)
        for name, point, has, hidden in zip(names, points, present, occluded)
        if has
    }
    return [image_id, category
            ] + [cells.get(name, ABSENT_CELL) for name in KEYPOINT_NAMES]


def _rng(seed: int, split: str, category: str, index: int,
         scenes: bool) -> np.random.Generator:
    key = [seed, SPLITS.index(split), CATEGORIES.index(category), index]
    return np.random.default_rng(key + [1] if scenes else key)


def synthetic_row(seed: int,
                  split: str,
                  category: str,
                  index: int,
                  scenes: bool = False) -> List[str]:
    """The CSV row of one synthetic image, without rendering it.

    Equal to the row :func:`render_sample` returns for the same arguments.
    """
    _, _, garment, occluded, _ = _sample_annotation(
        _rng(seed, split, category, index, scenes), category, scenes)
    return _csv_row(
        image_id_for(seed, split, category, index, scenes), category,
        garment.names, garment.points, garment.present, occluded)


def render_sample(seed: int,
                  split: str,
                  category: str,
                  index: int,
                  scenes: bool = False) -> Tuple[np.ndarray, List[str]]:
    """Render one image; return it (BGR, H x W x 3) and its CSV row.

    Args:
        seed: Dataset seed.
        split: ``'train'``, ``'val'`` or ``'test'``.
        category: Garment category.
        index: Image number within (split, category).
        scenes: Render a scene (module docstring): a smaller garment,
            sometimes beside a second, unlabelled one.
    """
    rng = _rng(seed, split, category, index, scenes)
    width, height, garment, occluded, distractor = _sample_annotation(
        rng, category, scenes)
    image = render_background(rng, width, height)
    if distractor is not None:
        # behind the labelled garment: it may hide the distractor, never
        # the reverse, so visible points stay visible
        render_garment(rng, image, distractor.category, distractor.names,
                       distractor.points, distractor.present)
    render_garment(rng, image, category, garment.names, garment.points,
                   garment.present)
    render_occluders(rng, image, garment.points, occluded,
                     garment.present & ~occluded, garment.normalizer)
    row = _csv_row(
        image_id_for(seed, split, category, index, scenes), category,
        garment.names, garment.points, garment.present, occluded)
    return image, row


def _write_sample(task: Tuple[str, int, str, str, int, int,
                              bool]) -> List[str]:
    out_dir, seed, split, category, index, quality, scenes = task
    image, row = render_sample(seed, split, category, index, scenes)
    ok, encoded = cv2.imencode('.jpg', image,
                               [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok, 'JPEG encoding failed'
    with atomic_write(osp.join(out_dir, split, row[0]), 'wb') as file:
        file.write(encoded.tobytes())
    return row


def generate_synthetic(out_dir: str,
                       images_per_category: Dict[str, int],
                       seed: int = 0,
                       categories: Sequence[str] = CATEGORIES,
                       nproc: int = 1,
                       scenes: bool = False) -> Dict[str, str]:
    """Render a synthetic dataset; return each split's annotation CSV path.

    Args:
        out_dir: Output folder (e.g. ``data/fashionai``).
        images_per_category: Images per category for each split, e.g.
            ``dict(train=400, val=50, test=50)``; splits with 0 are skipped.
        seed: Seed; the same seed writes the same files.
        categories: Which categories to render.
        nproc: Worker processes.
        scenes: Render scenes (module docstring) instead of one garment
            filling most of each image.
    """
    paths = {}
    for split in SPLITS:
        count = images_per_category.get(split, 0)
        if not count:
            continue
        tasks = []
        for category in categories:
            for index in range(count):
                # JPEG quality varies per image but is fixed by the seed
                quality = 70 + (
                    int(
                        hashlib.md5(f'{seed}{split}{category}{index}'.encode()
                                    ).hexdigest(), 16) % 26)
                tasks.append(
                    (out_dir, seed, split, category, index, quality, scenes))
        for category in categories:
            os.makedirs(
                osp.join(out_dir, split, 'Images', category), exist_ok=True)
        print(f'rendering {len(tasks)} {split} images')
        if nproc > 1:
            # spawned, not forked: a fork copies the locks that tqdm's
            # monitor thread (started by the previous split's bar) may
            # hold, and a quick demo once hung at the pool's exit so
            with multiprocessing.get_context('spawn').Pool(nproc) as pool:
                rows = list(
                    tqdm(pool.imap(_write_sample, tasks), total=len(tasks)))
        else:
            rows = [_write_sample(task) for task in tqdm(tasks)]
        annotation = osp.join(out_dir, split, ANNOTATION_FILES[split])
        write_csv(annotation, ANNOTATION_HEADER, rows)
        if split == 'test':
            write_csv(
                osp.join(out_dir, split, TEST_LIST), IMAGE_LIST_HEADER,
                [row[:2] for row in rows])
        paths[split] = annotation
    return paths


class NotSyntheticDataError(ValueError):
    """A folder that would be replaced was not made by this generator."""


def _read_stamp(stamp: str) -> Optional[dict]:
    """The stamp's record, or None where there is none in the generator's
    form (split counts and a seed, maybe ``scenes``)."""
    try:
        with open(stamp) as file:
            record = json.load(file)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or 'seed' not in record or not set(
            record) <= set(SPLITS) | {'seed', 'scenes'} or not all(
                isinstance(v, int) for v in record.values()):
        return None
    return record


def ensure_synthetic(out_dir: str,
                     images_per_category: Dict[str, int],
                     seed: int = 0,
                     nproc: int = 1,
                     scenes: bool = False) -> bool:
    """Render a dataset into ``out_dir`` unless this exact one is there.

    A ``synthetic.json`` stamp in ``out_dir`` records the counts and seed;
    a folder with another stamp is a dataset this generator made, and is
    deleted and rendered again. A folder without the stamp (the real
    release, say) is never touched.

    Args:
        out_dir: Output folder.
        images_per_category: As :func:`generate_synthetic`.
        seed: As :func:`generate_synthetic`.
        nproc: Worker processes.
        scenes: As :func:`generate_synthetic`.

    Returns:
        bool: Whether anything was rendered.

    Raises:
        NotSyntheticDataError: ``out_dir`` is a file, or a folder with
            contents but no readable stamp.
    """
    stamp = osp.join(out_dir, 'synthetic.json')
    wanted = dict(images_per_category, seed=seed)
    if scenes:
        wanted['scenes'] = True
    made_here = _read_stamp(stamp)
    if made_here == wanted:
        print(f'using the synthetic data already in {out_dir}')
        return False
    if osp.islink(out_dir) or (made_here is None and
                               (osp.isfile(out_dir) or
                                (osp.isdir(out_dir) and os.listdir(out_dir)))):
        raise NotSyntheticDataError(
            f'{out_dir}: not a synthetic dataset made by make_synthetic (no '
            'synthetic.json, or a link), so it is left as it is; pass '
            'another --data')
    # only what the generator writes: a user's file beside it stays
    for name in SPLITS:
        path = osp.join(out_dir, name)
        if osp.islink(path):
            os.unlink(path)
        elif osp.isdir(path):
            shutil.rmtree(path)
    if osp.exists(stamp):
        os.remove(stamp)
    generate_synthetic(
        out_dir, images_per_category, seed=seed, nproc=nproc, scenes=scenes)
    with atomic_write(stamp) as file:
        json.dump(wanted, file)
    return True


def compare_statistics(annotation_csv: str,
                       categories: Sequence[str] = CATEGORIES
                       ) -> List[List[object]]:
    """Rows comparing a synthetic split to the real sample, per category.

    Columns: category, source (real/synthetic), images, present fraction,
    occluded fraction, images without normalizer, normalizer p10 / median /
    p90 in pixels. The real figures were stored with the shape model.
    """
    records = read_fashionai_csv(annotation_csv)
    models = _models()
    table = []
    for category in categories:
        for source, stats in (('real', models[category].real_stats),
                              ('synthetic',
                               normalizer_stats(records, category))):
            table.append([
                category, source, stats['images'], f'{stats["present"]:.3f}',
                f'{stats["occluded"]:.3f}', f'{stats["no_normalizer"]:.3f}',
                f'{stats["s_p10"]:.0f}', f'{stats["s_median"]:.0f}',
                f'{stats["s_p90"]:.0f}'
            ])
    return table


COMPARISON_HEADER = [
    'category', 'source', 'images', 'present', 'occluded', 'no normalizer',
    's p10', 's median', 's p90'
]
