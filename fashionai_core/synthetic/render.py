"""Render one synthetic garment image whose keypoints lie on its silhouette.

The garment is a polygon through the category's keypoints (sleeves, hems,
waistband, legs), so every point is a corner or an end of visible structure
that a model can localize to a pixel. It is textured and shaded, drawn over a
cluttered background, and points marked occluded get an occluder over them.

Note:
    Coordinates are pixels of the rendered image, integers as in the
    competition CSVs; polygons are drawn with 1/16-pixel precision so the
    rendered corner is exactly at the annotated point.
"""
from typing import Dict, List, Tuple

import cv2
import numpy as np

#: The silhouette outline of each category, as keypoint names in drawing
#: order. Absent points are skipped (a sleeveless top goes from shoulder to
#: armpit).
OUTLINES: Dict[str, Tuple[str, ...]] = {
    'blouse':
    tuple('''
        neckline_left shoulder_left cuff_left_out cuff_left_in armpit_left
        top_hem_left top_hem_right armpit_right cuff_right_in cuff_right_out
        shoulder_right neckline_right center_front
        '''.split()),
    'outwear':
    tuple('''
        neckline_left shoulder_left cuff_left_out cuff_left_in armpit_left
        waistline_left top_hem_left top_hem_right waistline_right
        armpit_right cuff_right_in cuff_right_out shoulder_right
        neckline_right
        '''.split()),
    'dress':
    tuple('''
        neckline_left shoulder_left cuff_left_out cuff_left_in armpit_left
        waistline_left hemline_left hemline_right waistline_right
        armpit_right cuff_right_in cuff_right_out shoulder_right
        neckline_right center_front
        '''.split()),
    'skirt':
    tuple('''
        waistband_left hemline_left hemline_right waistband_right
        '''.split()),
    'trousers':
    tuple('''
        waistband_left bottom_left_out bottom_left_in crotch bottom_right_in
        bottom_right_out waistband_right
        '''.split()),
}

#: Seams drawn inside the garment, between two points when both exist.
SEAMS: Tuple[Tuple[str, str], ...] = (
    ('shoulder_left', 'armpit_left'),
    ('shoulder_right', 'armpit_right'),
    ('waistline_left', 'waistline_right'),
    ('neckline_left', 'neckline_right'),
)

SUBPIXEL_SHIFT = 4  # cv2 fixed-point bits: 1/16 pixel


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(points * (1 << SUBPIXEL_SHIFT)).astype(np.int32)


def _random_color(rng: np.random.Generator,
                  low: int = 0,
                  high: int = 256) -> Tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(low, high, 3))


def render_background(rng: np.random.Generator, width: int,
                      height: int) -> np.ndarray:
    """A gradient with random clutter (boxes, discs, lines) and noise."""
    start = np.array(_random_color(rng), dtype=np.float32)
    end = np.array(_random_color(rng), dtype=np.float32)
    ramp = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    image = (start + (end - start) * ramp) * np.ones((1, width, 1), np.float32)
    image = image.astype(np.uint8)
    for _ in range(int(rng.integers(8, 24))):
        color = _random_color(rng)
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(10, max(width, height) // 4))
        kind = rng.integers(0, 4)
        thickness = -1 if rng.random() < 0.6 else int(rng.integers(1, 5))
        if kind == 0:
            cv2.rectangle(image, (x, y), (x + size, y + size // 2), color,
                          thickness)
        elif kind == 1:
            cv2.circle(image, (x, y), size // 2, color, thickness, cv2.LINE_AA)
        elif kind == 2:
            x2, y2 = int(rng.integers(0, width)), int(rng.integers(0, height))
            cv2.line(image, (x, y), (x2, y2), color, int(rng.integers(1, 6)),
                     cv2.LINE_AA)
        else:
            corners = rng.integers(-size, size, (5, 2)) + (x, y)
            cv2.fillPoly(image, [corners.astype(np.int32)], color, cv2.LINE_AA)
    noise = rng.normal(0, 6, image.shape).astype(np.float32)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def render_texture(rng: np.random.Generator, width: int,
                   height: int) -> np.ndarray:
    """Fabric: a base color with stripes, checks, dots or mottling, shaded."""
    base = np.array(_random_color(rng, 30, 230), dtype=np.float32)
    accent = np.array(_random_color(rng), dtype=np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    along = xs * np.cos(angle) + ys * np.sin(angle)
    across = -xs * np.sin(angle) + ys * np.cos(angle)
    period = rng.uniform(6, 30)
    kind = rng.integers(0, 5)
    if kind == 0:  # solid
        weight = np.zeros_like(xs)
    elif kind == 1:  # stripes
        weight = (np.sin(along * 2 * np.pi / period) > 0.3).astype(np.float32)
    elif kind == 2:  # checks
        weight = 0.5 * ((np.sin(along * 2 * np.pi / period) > 0) +
                        (np.sin(across * 2 * np.pi / period) > 0))
    elif kind == 3:  # dots
        weight = ((np.sin(along * 2 * np.pi / period) *
                   np.sin(across * 2 * np.pi / period))
                  > 0.6).astype(np.float32)
    else:  # mottled
        small = rng.random((max(2, height // 16), max(2, width // 16)))
        weight = cv2.resize(small.astype(np.float32), (width, height))
    texture = base + (accent - base) * weight[..., None] * rng.uniform(
        0.3, 0.9)
    # shading: light falls from one side
    light_angle = rng.uniform(0, 2 * np.pi)
    light = (xs * np.cos(light_angle) + ys * np.sin(light_angle))
    light = (light - light.min()) / max(float(np.ptp(light)), 1.0)
    texture *= (0.7 + 0.45 * light)[..., None]
    return np.clip(texture, 0, 255).astype(np.uint8)


def _outline_points(category: str, names: List[str], points: np.ndarray,
                    present: np.ndarray) -> np.ndarray:
    index = {name: i for i, name in enumerate(names)}
    return np.array([
        points[index[name]]
        for name in OUTLINES[category] if present[index[name]]
    ],
                    dtype=np.float64)


def render_garment(rng: np.random.Generator, image: np.ndarray, category: str,
                   names: List[str], points: np.ndarray,
                   present: np.ndarray) -> None:
    """Draw the textured garment silhouette onto ``image`` in place.

    Args:
        rng: Random source for texture and colors.
        image: BGR image, (H, W, 3) uint8.
        category: The garment category (chooses the outline).
        names: Keypoint names of the category, in CSV order.
        points: Their pixel coordinates, shape (K, 2).
        present: Which points the garment has, shape (K,) bool.
    """
    height, width = image.shape[:2]
    outline = _outline_points(category, names, points, present)
    if len(outline) < 3:
        return
    mask = np.zeros((height, width), dtype=np.uint8)
    cv2.fillPoly(mask, [_fixed(outline)], 255, cv2.LINE_AA, SUBPIXEL_SHIFT)
    texture = render_texture(rng, width, height)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    image[:] = (texture * alpha + image * (1 - alpha)).astype(np.uint8)
    edge = tuple(
        int(c * 0.4)
        for c in texture[int(np.clip(outline[0, 1], 0, height - 1)),
                         int(np.clip(outline[0, 0], 0, width - 1))])
    cv2.polylines(image, [_fixed(outline)], True, edge,
                  int(rng.integers(1, 3)), cv2.LINE_AA, SUBPIXEL_SHIFT)
    index = {name: i for i, name in enumerate(names)}
    for start, end in SEAMS:
        if start in index and end in index and present[index[start]] and (
                present[index[end]]):
            seam = _fixed(points[[index[start], index[end]]])
            cv2.line(image, tuple(seam[0]), tuple(seam[1]), edge, 1,
                     cv2.LINE_AA, SUBPIXEL_SHIFT)


def render_occluders(rng: np.random.Generator, image: np.ndarray,
                     points: np.ndarray, occluded: np.ndarray,
                     visible: np.ndarray, normalizer: float) -> None:
    """Cover each occluded point with a blob that leaves visible points clear.

    Args:
        rng: Random source.
        image: BGR image, modified in place.
        points: Keypoint pixels, shape (K, 2).
        occluded: Points to cover, shape (K,) bool.
        visible: Points that must stay uncovered, shape (K,) bool.
        normalizer: The garment's normalizer length in pixels (sets size).
    """
    for point in points[occluded]:
        clear = np.linalg.norm(points[visible] - point, axis=1)
        limit = clear.min() - 3 if len(clear) else normalizer
        # the ellipse reaches up to 2 radii from the point (axes 1.6,
        # offset 0.4)
        radius = min(rng.uniform(0.08, 0.2) * normalizer, limit / 2)
        if radius < 4:
            radius = 4.0  # a small patch still hides the exact corner
        center = point + rng.uniform(-0.4, 0.4, 2) * radius
        axes = (radius * rng.uniform(1.0, 1.6), radius * rng.uniform(0.9, 1.3))
        color = _random_color(rng)
        cv2.ellipse(image,
                    tuple(_fixed(center)), tuple(_fixed(np.array(axes))),
                    float(rng.uniform(0, 180)), 0, 360, color, -1, cv2.LINE_AA,
                    SUBPIXEL_SHIFT)
