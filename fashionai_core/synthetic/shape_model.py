"""Per-category statistical shape model of garment keypoint layouts.

Fitted to real FashionAI annotations (``tools/fit_shape_model.py`` on the
sample ``val.csv``) and shipped as ``fashionai_core/data/shape_model.json``,
so that the synthetic generator needs no raw rows at run time. Per category
it holds:

* the mean layout and the principal modes of layouts expressed in normalizer
  units (origin at the normalizer's midpoint, one unit = its length);
* the joint presence patterns of the points (e.g. sleeveless blouses lack all
  four cuffs) with their frequencies, and each point's occluded fraction;
* quantiles of the normalizer distance and the mean/std of its midpoint, in
  pixels of the (mostly 512x512) real images;
* summary statistics of the real rows, which the generator's comparison
  table prints beside the synthetic ones.
"""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from fashionai_core.csv_io import FashionAIRecords
from fashionai_core.keypoints import (CATEGORIES, CATEGORY_KEYPOINTS,
                                      NORMALIZER_KEYPOINTS,
                                      category_keypoint_indices)
from fashionai_core.normalized_error import normalizer_distances

DEFAULT_SHAPE_MODEL = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
    'shape_model.json')
#: Probability levels of the stored normalizer quantiles.
QUANTILE_LEVELS = np.linspace(0, 1, 41)
#: The reference image size the pixel statistics refer to.
REFERENCE_SIZE = 512


def normalizer_stats(records: FashionAIRecords,
                     category: str) -> Dict[str, float]:
    """Presence, occlusion and normalizer figures of one category's rows.

    Returns:
        dict: ``images``, ``present`` (fraction of the defined points with
        v >= 0), ``occluded`` (fraction of present points with v = 0),
        ``no_normalizer`` (fraction of images without one) and the
        normalizer's ``s_p10``, ``s_median``, ``s_p90`` in pixels.
    """
    rows = np.array([c == category for c in records.categories])
    vis = records.visibility[rows][:, category_keypoint_indices(category)]
    s = normalizer_distances(records.keypoints[rows], records.visibility[rows],
                             records.category_ids[rows])
    usable = s[~np.isnan(s)]
    present = vis >= 0
    return dict(
        images=int(rows.sum()),
        present=float(present.mean()),
        occluded=float((vis == 0).sum() / max(present.sum(), 1)),
        no_normalizer=float(np.isnan(s).mean()),
        s_p10=float(np.percentile(usable, 10)),
        s_median=float(np.median(usable)),
        s_p90=float(np.percentile(usable, 90)))


def _impute_pca(table: np.ndarray,
                num_modes: int,
                iterations: int = 20
                ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA of a table with NaN holes, filling holes by reconstruction.

    Returns the mean (D,), the modes (M, D) and their standard deviations.
    """
    missing = np.isnan(table)
    mean = np.nanmean(table, axis=0)
    filled = np.where(missing, mean, table)
    for _ in range(iterations):
        mean = filled.mean(axis=0)
        _, singular, modes = np.linalg.svd(filled - mean, full_matrices=False)
        modes = modes[:num_modes]
        coefficients = (filled - mean) @ modes.T
        filled = np.where(missing, mean + coefficients @ modes, table)
    stddevs = singular[:num_modes] / np.sqrt(len(table) - 1)
    return mean, modes, stddevs


def fit_shape_model(records: FashionAIRecords,
                    num_modes: int = 6) -> Dict[str, dict]:
    """Fit the per-category shape model to annotation rows.

    Args:
        records: Real annotations (pixels of 512-pixel images).
        num_modes: Principal modes kept per category.

    Returns:
        dict: JSON-serializable, keyed by category; see the module doc.

    Raises:
        ValueError: A category has fewer than 2 rows with a normalizer.
    """
    model = {}
    distances = normalizer_distances(records.keypoints, records.visibility,
                                     records.category_ids)
    for category in CATEGORIES:
        rows = np.flatnonzero(np.array(records.categories) == category)
        columns = category_keypoint_indices(category)
        vis = records.visibility[rows][:, columns]
        names = CATEGORY_KEYPOINTS[category]
        ends = [names.index(n) for n in NORMALIZER_KEYPOINTS[category]]

        usable = ~np.isnan(distances[rows])
        if usable.sum() < 2:  # a spread needs two layouts
            raise ValueError(
                f'{records.path}: {usable.sum()} {category} row(s) with both '
                'normalizer points annotated; the shape model needs at '
                'least 2 of each category')
        points = records.keypoints[rows][:, columns][usable].astype(float)
        s = distances[rows][usable]
        midpoints = points[:, ends].mean(axis=1)  # (R, 2)
        normalized = (points - midpoints[:, None]) / s[:, None, None]
        normalized[vis[usable] < 0] = np.nan
        mean, modes, stddevs = _impute_pca(
            normalized.reshape(len(normalized), -1), num_modes)

        patterns: Dict[str, int] = {}
        for row in vis >= 0:
            key = ''.join('1' if p else '0' for p in row)
            patterns[key] = patterns.get(key, 0) + 1
        present = vis >= 0
        model[category] = dict(
            keypoints=list(names),
            mean=mean.reshape(-1, 2).tolist(),
            modes=modes.reshape(len(modes), -1, 2).tolist(),
            mode_stddevs=stddevs.tolist(),
            presence_patterns=sorted(
                ([k, v / len(vis)] for k, v in patterns.items()),
                key=lambda item: -item[1]),
            occluded_rate=((vis == 0).sum(0) /
                           np.maximum(present.sum(0), 1)).tolist(),
            normalizer_quantiles=np.quantile(s, QUANTILE_LEVELS).tolist(),
            midpoint_mean=(midpoints.mean(0) - REFERENCE_SIZE / 2).tolist(),
            midpoint_std=midpoints.std(0).tolist(),
            real_stats=normalizer_stats(records, category))
    return model


def save_shape_model(model: Dict[str, dict], path: str) -> None:
    """Write a fitted model as JSON (atomically)."""
    from fashionai_core.atomic import atomic_write
    with atomic_write(path) as file:
        json.dump(model, file, indent=1)


@dataclass
class CategoryShapeModel:
    """The shape model of one category, ready to sample from."""
    category: str
    keypoints: List[str]
    mean: np.ndarray  # (K, 2), normalizer units
    modes: np.ndarray  # (M, K, 2)
    mode_stddevs: np.ndarray  # (M,)
    patterns: np.ndarray  # (P, K) bool
    pattern_probs: np.ndarray  # (P,)
    occluded_rate: np.ndarray  # (K,)
    normalizer_quantiles: np.ndarray  # (Q,) pixels
    midpoint_mean: np.ndarray  # (2,) pixels from the image center
    midpoint_std: np.ndarray  # (2,) pixels
    real_stats: Dict[str, float]

    def sample_layout(self,
                      rng: np.random.Generator,
                      mode_clip: float = 2.5) -> np.ndarray:
        """A plausible layout in normalizer units, shape (K, 2)."""
        z = np.clip(
            rng.standard_normal(len(self.mode_stddevs)), -mode_clip, mode_clip)
        return self.mean + np.tensordot(z * self.mode_stddevs, self.modes, 1)

    def sample_presence(self, rng: np.random.Generator) -> np.ndarray:
        """Which points the garment has, shape (K,) bool."""
        return self.patterns[rng.choice(
            len(self.patterns), p=self.pattern_probs)]

    def sample_occlusion(self, rng: np.random.Generator) -> np.ndarray:
        """Which points are occluded, shape (K,) bool."""
        return rng.random(len(self.keypoints)) < self.occluded_rate

    def sample_normalizer(self, rng: np.random.Generator) -> float:
        """A normalizer length in pixels of a 512-pixel image."""
        return float(
            np.interp(rng.random(), QUANTILE_LEVELS,
                      self.normalizer_quantiles))


def load_shape_model(path: Optional[str] = None
                     ) -> Dict[str, CategoryShapeModel]:
    """Load the shipped (or a given) shape model, keyed by category."""
    with open(path or DEFAULT_SHAPE_MODEL) as file:
        raw = json.load(file)
    models = {}
    for category, item in raw.items():
        patterns = [[c == '1' for c in key]
                    for key, _ in item['presence_patterns']]
        probs = np.array([p for _, p in item['presence_patterns']])
        models[category] = CategoryShapeModel(
            category=category,
            keypoints=item['keypoints'],
            mean=np.array(item['mean']),
            modes=np.array(item['modes']),
            mode_stddevs=np.array(item['mode_stddevs']),
            patterns=np.array(patterns, dtype=bool),
            pattern_probs=probs / probs.sum(),
            occluded_rate=np.array(item['occluded_rate']),
            normalizer_quantiles=np.array(item['normalizer_quantiles']),
            midpoint_mean=np.array(item['midpoint_mean']),
            midpoint_std=np.array(item['midpoint_std']),
            real_stats=item['real_stats'])
    return models
