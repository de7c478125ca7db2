"""Network outputs -> keypoints, in numpy: MMPose's decoders without torch.

The heatmap decoders repeat ``mmpose.codecs`` (``UDPHeatmap``,
``MSRAHeatmap``, and the refinements in ``mmpose.codecs.utils``) operation
for operation, because importing them would import torch; the tests compare
both on the same outputs. The flip-test merges repeat MMPose's
``flip_heatmaps`` / ``flip_vectors`` and this project's
``FlipAlignedRTMCCHead``.
"""
from itertools import product
from typing import Any, Dict, Sequence, Tuple

import cv2
import numpy as np


def heatmap_maximum(heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Argmax position (K, 2) float32 and value (K,) of heatmaps (K, H, W);
    -1 where the maximum is not positive."""
    count, height, width = heatmaps.shape
    flat = heatmaps.reshape(count, -1)
    y, x = np.unravel_index(np.argmax(flat, axis=1), shape=(height, width))
    locations = np.stack((x, y), axis=-1).astype(np.float32)
    values = np.amax(flat, axis=1)
    locations[values <= 0.] = -1
    return locations, values


def gaussian_blur(heatmaps: np.ndarray, kernel: int) -> np.ndarray:
    """Blur each heatmap (K, H, W) in place, keeping its maximum."""
    border = (kernel - 1) // 2
    count, height, width = heatmaps.shape
    for k in range(count):
        origin_max = np.max(heatmaps[k])
        padded = np.zeros((height + 2 * border, width + 2 * border),
                          dtype=np.float32)
        padded[border:-border, border:-border] = heatmaps[k].copy()
        padded = cv2.GaussianBlur(padded, (kernel, kernel), 0)
        heatmaps[k] = padded[border:-border, border:-border].copy()
        heatmaps[k] *= origin_max / np.max(heatmaps[k])
    return heatmaps


def refine_dark_udp(keypoints: np.ndarray, heatmaps: np.ndarray,
                    blur_kernel_size: int) -> np.ndarray:
    """UDP's DARK refinement of argmax positions (1, K, 2) in heatmap
    pixels; returns them refined."""
    count, height, width = heatmaps.shape
    heatmaps = gaussian_blur(heatmaps, blur_kernel_size)
    np.clip(heatmaps, 1e-3, 50., heatmaps)
    np.log(heatmaps, heatmaps)
    padded = np.pad(heatmaps, ((0, 0), (1, 1), (1, 1)), mode='edge').ravel()
    for n in range(keypoints.shape[0]):
        index = keypoints[n, :, 0] + 1 + (keypoints[n, :, 1] + 1) * (width + 2)
        index += (width + 2) * (height + 2) * np.arange(0, count)
        index = index.astype(int).reshape(-1, 1)
        i_ = padded[index]
        ix1 = padded[index + 1]
        iy1 = padded[index + width + 2]
        ix1y1 = padded[index + width + 3]
        ix1_y1_ = padded[index - width - 3]
        ix1_ = padded[index - 1]
        iy1_ = padded[index - 2 - width]
        dx = 0.5 * (ix1 - ix1_)
        dy = 0.5 * (iy1 - iy1_)
        derivative = np.concatenate([dx, dy], axis=1).reshape(count, 2, 1)
        dxx = ix1 - 2 * i_ + ix1_
        dyy = iy1 - 2 * i_ + iy1_
        dxy = 0.5 * (ix1y1 - ix1 - iy1 + i_ + i_ - ix1_ - iy1_ + ix1_y1_)
        hessian = np.concatenate([dxx, dxy, dxy, dyy],
                                 axis=1).reshape(count, 2, 2)
        hessian = np.linalg.inv(hessian + np.finfo(np.float32).eps * np.eye(2))
        keypoints[n] -= np.einsum('imn,ink->imk', hessian,
                                  derivative).squeeze()
    return keypoints


def refine_dark(keypoints: np.ndarray, heatmaps: np.ndarray,
                blur_kernel_size: int) -> np.ndarray:
    """DARK refinement (MSRAHeatmap ``unbiased``) of (1, K, 2) positions."""
    count, height, width = heatmaps.shape
    heatmaps = gaussian_blur(heatmaps, blur_kernel_size)
    np.maximum(heatmaps, 1e-10, heatmaps)
    np.log(heatmaps, heatmaps)
    for n, k in product(range(keypoints.shape[0]), range(count)):
        x, y = keypoints[n, k, :2].astype(int)
        if 1 < x < width - 2 and 1 < y < height - 2:
            hm = heatmaps[k]
            dx = 0.5 * (hm[y, x + 1] - hm[y, x - 1])
            dy = 0.5 * (hm[y + 1, x] - hm[y - 1, x])
            dxx = 0.25 * (hm[y, x + 2] - 2 * hm[y, x] + hm[y, x - 2])
            dxy = 0.25 * (
                hm[y + 1, x + 1] - hm[y - 1, x + 1] - hm[y + 1, x - 1] +
                hm[y - 1, x - 1])
            dyy = 0.25 * (hm[y + 2, x] - 2 * hm[y, x] + hm[y - 2, x])
            derivative = np.array([[dx], [dy]])
            hessian = np.array([[dxx, dxy], [dxy, dyy]])
            if dxx * dyy - dxy**2 != 0:
                offset = -np.linalg.inv(hessian) @ derivative
                keypoints[n, k, :2] += np.squeeze(np.array(offset.T), axis=0)
    return keypoints


def refine_quarter(keypoints: np.ndarray, heatmaps: np.ndarray) -> np.ndarray:
    """MSRAHeatmap's plain refinement: a quarter pixel towards the higher
    neighbour, (1, K, 2) positions."""
    count, height, width = heatmaps.shape
    for n, k in product(range(keypoints.shape[0]), range(count)):
        x, y = keypoints[n, k, :2].astype(int)
        dx = dy = 0.
        if 1 < x < width - 1 and 0 < y < height:
            dx = heatmaps[k, y, x + 1] - heatmaps[k, y, x - 1]
        if 1 < y < height - 1 and 0 < x < width:
            dy = heatmaps[k, y + 1, x] - heatmaps[k, y - 1, x]
        keypoints[n, k] += np.sign([dx, dy], dtype=np.float32) * 0.25
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
    refined = peaks.astype(np.float64)
    bins = simcc.shape[-1]
    index = np.clip(np.round(peaks).astype(np.int64), 1, bins - 2)[..., None]
    left, centre, right = (
        np.take_along_axis(simcc, index + step, axis=-1)[..., 0]
        for step in (-1, 0, 1))
    curvature = 2 * centre - left - right
    inside = (peaks >= 1) & (peaks <= bins - 2) & (curvature > 0)
    offset = np.zeros_like(refined)
    np.divide(0.5 * (right - left), curvature, out=offset, where=inside)
    # a fit that leaves the peak bin is noise, not a peak
    refined[inside] += np.clip(offset[inside], -0.5, 0.5)
    return refined


def simcc_maximum(simcc_x: np.ndarray,
                  simcc_y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Argmax bins (K, 2) float32 and score (K,) (the lower of the two
    maxima) of SimCC vectors (K, Wx), (K, Wy); -1 where not positive."""
    x = np.argmax(simcc_x, axis=1)
    y = np.argmax(simcc_y, axis=1)
    locations = np.stack((x, y), axis=-1).astype(np.float32)
    values = np.minimum(np.amax(simcc_x, axis=1), np.amax(simcc_y, axis=1))
    locations[values <= 0.] = -1
    return locations, values


def decode(codec: Dict[str, Any],
           outputs: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """One image's network outputs -> keypoints in input pixels (K, 2) and
    scores (K,), as the codec named in the metadata decodes them.

    Args:
        codec: The metadata's ``codec`` (type and parameters).
        outputs: ``[heatmaps (K, H, W)]`` or ``[simcc_x (K, Wx),
            simcc_y (K, Wy)]``, float32.
    """
    kind = codec['type']
    if kind in ('UDPHeatmap', 'MSRAHeatmap'):
        heatmaps = outputs[0].copy()
        keypoints, scores = heatmap_maximum(heatmaps)
        keypoints = keypoints[None]
        if kind == 'UDPHeatmap':
            keypoints = refine_dark_udp(keypoints, heatmaps,
                                        codec['blur_kernel_size'])
            width, height = codec['heatmap_size']
            keypoints = keypoints / [width - 1, height - 1] * np.asarray(
                codec['input_size'])
        else:
            if codec['unbiased']:
                keypoints = refine_dark(keypoints, heatmaps,
                                        codec['blur_kernel_size'])
            else:
                keypoints = refine_quarter(keypoints, heatmaps)
            keypoints = keypoints * (np.array(codec['input_size']) / np.array(
                codec['heatmap_size'])).astype(np.float32)
        return keypoints[0], scores
    simcc_x, simcc_y = outputs
    keypoints, scores = simcc_maximum(simcc_x, simcc_y)
    ratio = codec['simcc_split_ratio']
    if kind == 'SubpixelSimCCLabel':
        keypoints = keypoints.astype(np.float64)
        for axis, simcc in enumerate((simcc_x, simcc_y)):
            keypoints[:,
                      axis] = refine_simcc_parabola(simcc[None],
                                                    keypoints[None, :,
                                                              axis])[0]
    return keypoints / ratio, scores


def shift_bins_left(vectors: np.ndarray, shift: float) -> np.ndarray:
    """Move 1-D distributions (N, K, bins) ``shift`` bins to lower indices,
    interpolating a fraction linearly; the last bin fills the vacated end
    (as ``FlipAlignedRTMCCHead``)."""
    whole = int(shift)
    fraction = shift - whole
    bins = vectors.shape[-1]
    padded = np.concatenate(
        [vectors, np.repeat(vectors[..., -1:], whole + 1, axis=-1)], axis=-1)
    low = padded[..., whole:whole + bins]
    high = padded[..., whole + 1:whole + 1 + bins]
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
