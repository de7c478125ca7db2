"""Network outputs -> keypoints, in numpy: MMPose's decoders without torch.

The heatmap decoders repeat ``mmpose.codecs`` (``UDPHeatmap``,
``MSRAHeatmap``, and the refinements in ``mmpose.codecs.utils``) operation
for operation, because importing them would import torch; the tests compare
both on the same outputs. The flip-test merges repeat MMPose's
``flip_heatmaps`` / ``flip_vectors`` and this project's
``FlipAlignedRTMCCHead``.
"""
from typing import Any, Dict, Sequence, Tuple

import cv2
import numpy as np


def heatmap_maximum(heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Argmax position (N, K, 2) float32 and value (N, K) of heatmaps
    (N, K, H, W); -1 where the maximum is not positive."""
    count, keypoints, height, width = heatmaps.shape
    flat = heatmaps.reshape(count, keypoints, -1)
    y, x = np.unravel_index(np.argmax(flat, axis=-1), shape=(height, width))
    locations = np.stack((x, y), axis=-1).astype(np.float32)
    values = np.amax(flat, axis=-1)
    locations[values <= 0.] = -1
    return locations, values


#: OpenCV filters at most this many channels in one call (CV_CN_MAX).
_MAX_CHANNELS = 512


def gaussian_blur(heatmaps: np.ndarray, kernel: int) -> np.ndarray:
    """Blur heatmaps (N, K, H, W), each keeping its maximum; zeros outside
    the map, as MMPose's zero padding. All maps in one OpenCV call per 512
    (its channel limit)."""
    count, keypoints, height, width = heatmaps.shape
    planes = heatmaps.reshape(count * keypoints, height,
                              width).transpose(1, 2, 0)
    blurred = np.empty_like(planes)
    for start in range(0, planes.shape[-1], _MAX_CHANNELS):
        part = np.ascontiguousarray(planes[..., start:start + _MAX_CHANNELS])
        blurred[..., start:start + part.shape[-1]] = cv2.GaussianBlur(
            part, (kernel, kernel), 0,
            borderType=cv2.BORDER_CONSTANT).reshape(part.shape)
    blurred = blurred.transpose(2, 0, 1).reshape(heatmaps.shape)
    blurred *= heatmaps.max(
        axis=(2, 3), keepdims=True) / blurred.max(
            axis=(2, 3), keepdims=True)
    return blurred


#: float32's epsilon: what MMPose adds to UDP's Hessian diagonal.
_EPS = float(np.finfo(np.float32).eps)


def _newton_steps(gradient: Tuple[np.ndarray, np.ndarray],
                  hessian: Tuple[np.ndarray, np.ndarray, np.ndarray],
                  diagonal: float) -> Tuple[np.ndarray, np.ndarray]:
    """``inverse(hessian + diagonal * I) @ gradient`` (N, K, 2), in the
    arrays' dtype (the 2 x 2 inverse written out), and where that Hessian
    is invertible (N, K); the steps are 0 elsewhere (a NaN stays NaN where
    the Hessian is, as MMPose's).

    Args:
        gradient: dx, dy, each (N, K).
        hessian: dxx, dyy, dxy, each (N, K).
        diagonal: Added to dxx and dyy.
    """
    dx, dy = gradient
    dxx, dyy, dxy = hessian
    dxx = dxx + diagonal
    dyy = dyy + diagonal
    determinant = dxx * dyy - dxy**2
    invertible = determinant != 0
    safe = np.where(invertible, determinant, 1)
    steps = np.stack([dyy * dx - dxy * dy, dxx * dy - dxy * dx], axis=-1)
    return np.where(invertible[..., None], steps / safe[..., None],
                    0), invertible


def refine_dark_udp(keypoints: np.ndarray, heatmaps: np.ndarray,
                    blur_kernel_size: int) -> np.ndarray:
    """UDP's DARK refinement of argmax positions (N, K, 2) in the heatmap
    pixels of heatmaps (N, K, H, W), as MMPose's
    ``refine_keypoints_dark_udp``, vectorised: every map blurred, rescaled
    to its old maximum, clipped to [1e-3, 50] and its log taken; one Newton
    step from the 3 x 3 pixels around each point (the map edge-padded).
    Returns the points refined (float64). A singular Hessian leaves the
    point where it is (MMPose's ``np.linalg.inv`` raises).
    """
    count, channels, height, width = heatmaps.shape
    logs = gaussian_blur(heatmaps, blur_kernel_size)
    np.clip(logs, 1e-3, 50., logs)
    np.log(logs, logs)
    padded = np.pad(
        logs, ((0, 0), (0, 0), (1, 1), (1, 1)), mode='edge').ravel()
    # read by flat index as MMPose reads them (a point at -1 reads what
    # MMPose reads)
    index = keypoints[..., 0] + 1 + (keypoints[..., 1] + 1) * (width + 2)
    index += (width + 2) * (height + 2) * np.arange(count * channels).reshape(
        count, channels)
    steps = np.arange(-1, 2)
    neighbours = (steps[:, None] * (width + 2) + steps[None, :]).ravel()
    (ix1_y1_, iy1_, _, ix1_, i_, ix1, _, iy1,
     ix1y1) = np.moveaxis(padded[index.astype(int)[..., None] + neighbours],
                          -1, 0)
    dx = 0.5 * (ix1 - ix1_)
    dy = 0.5 * (iy1 - iy1_)
    dxx = ix1 - 2 * i_ + ix1_
    dyy = iy1 - 2 * i_ + iy1_
    dxy = 0.5 * (ix1y1 - ix1 - iy1 + i_ + i_ - ix1_ - iy1_ + ix1_y1_)
    # MMPose inverts (hessian + eps * I) in float64
    hessian = tuple(d.astype(np.float64) for d in (dxx, dyy, dxy))
    offsets, _ = _newton_steps((dx, dy), hessian, _EPS)
    return keypoints - offsets


def refine_dark(keypoints: np.ndarray, heatmaps: np.ndarray,
                blur_kernel_size: int) -> np.ndarray:
    """DARK refinement (MSRAHeatmap ``unbiased``) of (N, K, 2) positions in
    heatmaps (N, K, H, W), as MMPose's ``refine_keypoints_dark``,
    vectorised: a Newton step on the log of the blurred map (floored at
    1e-10), where the point is 2 pixels inside it and the Hessian is
    invertible.
    """
    height, width = heatmaps.shape[2:]
    x, y = keypoints[..., 0].astype(int), keypoints[..., 1].astype(int)
    inside = (1 < x) & (x < width - 2) & (1 < y) & (y < height - 2)
    x, y = np.clip(x, 2, width - 3), np.clip(y, 2, height - 3)
    logs = gaussian_blur(heatmaps, blur_kernel_size)
    np.maximum(logs, 1e-10, logs)
    np.log(logs, logs)
    steps = np.arange(-2, 3)
    n, k = np.indices(x.shape)
    patch = logs[n[..., None, None], k[..., None, None],
                 (y[..., None] + steps)[..., :, None],
                 (x[..., None] + steps)[..., None, :]]

    def value(dx: int, dy: int) -> np.ndarray:
        return patch[..., 2 + dy, 2 + dx]

    dx = 0.5 * (value(1, 0) - value(-1, 0))
    dy = 0.5 * (value(0, 1) - value(0, -1))
    dxx = 0.25 * (value(2, 0) - 2 * value(0, 0) + value(-2, 0))
    dxy = 0.25 * (value(1, 1) - value(1, -1) - value(-1, 1) + value(-1, -1))
    dyy = 0.25 * (value(0, 2) - 2 * value(0, 0) + value(0, -2))
    offsets, moved = _newton_steps((dx, dy), (dxx, dyy, dxy), 0.)
    keypoints -= np.where((inside & moved)[..., None], offsets, 0)
    return keypoints


def _at(heatmaps: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``heatmaps[n, k, y[n, k], x[n, k]]`` for every n, k."""
    count, channels = x.shape
    n, k = np.indices((count, channels))
    return heatmaps[n, k, y, x]


def refine_quarter(keypoints: np.ndarray, heatmaps: np.ndarray) -> np.ndarray:
    """MSRAHeatmap's plain refinement: a quarter pixel towards the higher
    neighbour, (N, K, 2) positions in heatmaps (N, K, H, W)."""
    height, width = heatmaps.shape[2:]
    x, y = keypoints[..., 0].astype(int), keypoints[..., 1].astype(int)
    cx, cy = np.clip(x, 1, width - 2), np.clip(y, 1, height - 2)
    along_x = (1 < x) & (x < width - 1) & (0 < y) & (y < height)
    along_y = (1 < y) & (y < height - 1) & (0 < x) & (x < width)
    yy = np.clip(y, 0, height - 1)
    xx = np.clip(x, 0, width - 1)
    dx = np.where(along_x,
                  _at(heatmaps, cx + 1, yy) - _at(heatmaps, cx - 1, yy), 0)
    dy = np.where(along_y,
                  _at(heatmaps, xx, cy + 1) - _at(heatmaps, xx, cy - 1), 0)
    keypoints += np.sign(np.stack([dx, dy], axis=-1)).astype(np.float32) * 0.25
    return keypoints


def refine_simcc_parabola(simcc: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Sub-bin peak positions from a parabola through three bins.

    Args:
        simcc (np.ndarray): 1-D distributions, shape (N, K, bins).
        peaks (np.ndarray): Their argmax bin, shape (N, K); may be -1 where
            the point was not found (left unchanged).

    Returns:
        np.ndarray: Peak positions in bins, shape (N, K), float.
    """
    bins = simcc.shape[-1]
    if bins < 3:  # no bin has two neighbours
        return peaks.astype(np.float64)
    index = np.minimum(np.round(peaks).astype(np.int64), bins - 2)
    index = np.maximum(index, 1).reshape(-1, 1) + np.arange(-1, 2)
    left, centre, right = np.moveaxis(
        simcc.reshape(-1, bins)[np.arange(index.shape[0])[:, None],
                                index].reshape(*peaks.shape, 3), -1, 0)
    curvature = 2 * centre - left - right
    inside = (peaks >= 1) & (peaks <= bins - 2) & (curvature > 0)
    offset = np.zeros(peaks.shape)
    np.divide(0.5 * (right - left), curvature, out=offset, where=inside)
    # a fit that leaves the peak bin is noise, not a peak (0 outside)
    return peaks + np.minimum(np.maximum(offset, -0.5), 0.5)


def simcc_maximum(simcc_x: np.ndarray,
                  simcc_y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Argmax bins (N, K, 2) float32 and score (N, K) (the lower of the two
    maxima) of SimCC vectors (N, K, Wx), (N, K, Wy); -1 where not
    positive."""
    x = np.argmax(simcc_x, axis=-1)
    y = np.argmax(simcc_y, axis=-1)
    locations = np.stack((x, y), axis=-1).astype(np.float32)
    values = np.minimum(np.amax(simcc_x, axis=-1), np.amax(simcc_y, axis=-1))
    locations[values <= 0.] = -1
    return locations, values


def decode(codec: Dict[str, Any],
           outputs: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """A batch's network outputs -> keypoints in input pixels (N, K, 2) and
    scores (N, K), as the codec named in the metadata decodes them, with no
    loop over images or keypoints.

    Args:
        codec: The metadata's ``codec`` (type and parameters).
        outputs: ``[heatmaps (N, K, H, W)]`` or ``[simcc_x (N, K, Wx),
            simcc_y (N, K, Wy)]``, float32.
    """
    kind = codec['type']
    if kind in ('UDPHeatmap', 'MSRAHeatmap'):
        heatmaps = outputs[0]
        keypoints, scores = heatmap_maximum(heatmaps)
        if kind == 'UDPHeatmap':
            keypoints = refine_dark_udp(keypoints, heatmaps,
                                        codec['blur_kernel_size'])
            width, height = codec['heatmap_size']
            return keypoints / [width - 1, height - 1] * np.asarray(
                codec['input_size']), scores
        if codec['unbiased']:
            keypoints = refine_dark(keypoints, heatmaps,
                                    codec['blur_kernel_size'])
        else:
            keypoints = refine_quarter(keypoints, heatmaps)
        return keypoints * (np.array(codec['input_size']) / np.array(
            codec['heatmap_size'])).astype(np.float32), scores
    simcc_x, simcc_y = outputs
    keypoints, scores = simcc_maximum(simcc_x, simcc_y)
    ratio = codec['simcc_split_ratio']
    if kind == 'SubpixelSimCCLabel':
        keypoints = np.stack([
            refine_simcc_parabola(simcc, keypoints[..., axis])
            for axis, simcc in enumerate((simcc_x, simcc_y))
        ],
                             axis=-1)
    return keypoints / ratio, scores


def shift_bins_left(vectors, shift: float):
    """Move 1-D distributions (N, K, bins) ``shift`` bins to lower indices,
    interpolating a fraction linearly; the last bin fills the vacated end.
    ``vectors`` is a numpy array or a torch tensor (``FlipAlignedRTMCCHead``
    uses it on tensors); the result is of its kind."""
    whole = int(shift)
    fraction = shift - whole
    bins = vectors.shape[-1]
    index = np.minimum(np.arange(bins) + whole, bins - 1)
    low = vectors[..., index]
    high = vectors[..., np.minimum(index + 1, bins - 1)]
    return low + fraction * (high - low)


def merge_flipped(outputs: Sequence[np.ndarray], flipped: Sequence[np.ndarray],
                  flip_indices: Sequence[int],
                  flip_test: Dict[str, Any]) -> Sequence[np.ndarray]:
    """Average outputs (N, K, ...) with those of the mirrored inputs, put
    back in place: mirror the x axis, swap left and right channels, then
    MMPose's heatmap shift or the SimCC bin alignment the metadata names."""
    if len(outputs) == 1:
        heatmaps = flipped[0][:, flip_indices, :, ::-1].copy()
        if flip_test['shift_heatmap']:
            heatmaps[..., 1:] = heatmaps[..., :-1].copy()
        return [(outputs[0] + heatmaps) * 0.5]
    simcc_x = flipped[0][:, flip_indices, ::-1]
    if flip_test['simcc_x_shift']:
        simcc_x = shift_bins_left(simcc_x, flip_test['simcc_x_shift'])
    simcc_y = flipped[1][:, flip_indices]
    return [(outputs[0] + simcc_x) * 0.5, (outputs[1] + simcc_y) * 0.5]
