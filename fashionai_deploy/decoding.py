"""Network outputs -> keypoints, in numpy: MMPose's decoders without torch.

The heatmap decoders repeat ``mmpose.codecs`` (``UDPHeatmap``,
``MSRAHeatmap``, and the refinements in ``mmpose.codecs.utils``) operation
for operation, because importing them would import torch; the tests compare
both on the same outputs. The flip-test merges repeat MMPose's
``flip_heatmaps`` / ``flip_vectors`` and this project's
``FlipAlignedRTMCCHead``.
"""
import functools
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


@functools.lru_cache(maxsize=None)
def blur_band(kernel: int, radius: int) -> np.ndarray:
    """(2 * radius + 1, 2 * radius + kernel) float32: row i holds OpenCV's
    Gaussian kernel of ``kernel`` taps for float32 images (the sigma
    ``cv2.GaussianBlur`` derives from the size) from column i, so that
    ``band @ window @ band.T`` blurs a window at its central pixels."""
    band = np.zeros((2 * radius + 1, 2 * radius + kernel), dtype=np.float32)
    taps = cv2.getGaussianKernel(kernel, 0, ktype=cv2.CV_32F).ravel()
    for row in range(2 * radius + 1):
        band[row, row:row + kernel] = taps
    band.flags.writeable = False
    return band


def _clamp(index: np.ndarray, size: int) -> np.ndarray:
    """Integer positions moved into [0, size - 1] (``np.clip``'s result,
    without its Python-level overhead on small arrays)."""
    return np.minimum(np.maximum(index, 0), size - 1)


def blurred_patches(heatmaps: np.ndarray, x: np.ndarray, y: np.ndarray,
                    kernel: int, radius: int) -> np.ndarray:
    """The blur of :func:`gaussian_blur`, before its rescaling, only at the
    points (x + dx, y + dy), |dx|, |dy| <= radius, of each map.

    Args:
        heatmaps: (N, K, H, W) maps.
        x, y: (N, K) integer centres inside the maps.
        kernel: The Gaussian's size, odd.
        radius: Half the patch's side.

    Raises:
        ValueError: ``kernel`` is not odd and positive (MMPose's blur
            refuses it too).

    Returns:
        np.ndarray: (N, K, 2 * radius + 1, 2 * radius + 1) float32, zeros
        outside the maps blurred in as ``cv2.BORDER_CONSTANT`` does.
    """
    if kernel < 1 or kernel % 2 != 1:
        raise ValueError(f'the blur kernel must have an odd size, not '
                         f'{kernel}')
    count, channels, height, width = heatmaps.shape
    side = 2 * radius + kernel
    offsets = np.arange(side) - side // 2
    rows = y.reshape(-1, 1) + offsets
    cols = x.reshape(-1, 1) + offsets
    # the window's pixels outside the map count as zeros
    inside = (((rows >= 0) & (rows < height))[:, :, None]
              & ((cols >= 0) & (cols < width))[:, None, :])
    rows = _clamp(rows, height) + (height * np.arange(count * channels))[:,
                                                                         None]
    windows = heatmaps.reshape(-1, width)[rows[:, :, None],
                                          _clamp(cols, width)[:, None, :]]
    windows *= inside
    band = blur_band(kernel, radius)
    return (band @ windows @ band.T).reshape(count, channels, 2 * radius + 1,
                                             2 * radius + 1)


#: float32's epsilon: what MMPose adds to UDP's Hessian diagonal, and the
#: unit of the rounding bound in :func:`_sensitivity`.
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
    pixels of heatmaps (N, K, H, W); returns them refined (float64).

    MMPose blurs every map, rescales it to its old maximum, clips it to
    [1e-3, 50] and takes its log; the step then uses only differences of
    the log at the 3 x 3 pixels around the peak, where the rescaling
    cancels. So the blur is computed in those pixels only
    (:func:`blurred_patches`), and the whole maps are blurred only for the
    points where the clip could change a value (a peak not above 0 or
    above 50, a neighbour blurred below 1e-3) or where the step is so
    sensitive that MMPose's float32 rounding could move the point by
    :data:`_ROUNDING_TOLERANCE`. A singular Hessian leaves the point where
    it is (MMPose's ``np.linalg.inv`` raises).
    """
    count, channels, height, width = heatmaps.shape
    found = keypoints[..., 0] >= 0
    x = np.maximum(keypoints[..., 0], 0).astype(int)
    y = np.maximum(keypoints[..., 1], 0).astype(int)
    patches = blurred_patches(heatmaps, x, y, blur_kernel_size, 1)
    peaks = heatmaps.reshape(count, channels, -1).max(axis=-1)
    # margins for float rounding of the blur and of MMPose's rescaling
    exact = found & (peaks <= 50 * (1 - 1e-4)) & (
        patches.min(axis=(2, 3)) >= 1e-3 * (1 + 1e-4))
    # MMPose's edge padding: a neighbour outside the map is its edge pixel
    steps = np.arange(-1, 2)
    rows = _clamp(y[..., None] + steps, height) - y[..., None] + 1
    cols = _clamp(x[..., None] + steps, width) - x[..., None] + 1
    pixels = (rows[..., :, None] * 3 +
              cols[..., None, :]).reshape(count, channels, 9)
    logs = np.log(
        np.take_along_axis(
            np.minimum(np.maximum(patches, 1e-3),
                       50.).reshape(count, channels, 9),
            pixels,
            axis=-1))
    offsets, sensitivity = _udp_steps(logs)
    # where MMPose's float32 rounding of the rescaled log could move the
    # point (a Hessian close to singular), its own arithmetic decides
    exact &= sensitivity < _ROUNDING_TOLERANCE
    if not exact.all():
        whole, _ = _udp_steps(
            _udp_logs_whole(keypoints, heatmaps, blur_kernel_size))
        offsets = np.where(exact[..., None], offsets, whole)
    return keypoints - offsets


#: Heatmap pixels a float32 rounding of the log patch may move a point
#: before the decoder repeats MMPose's whole-map arithmetic for it.
_ROUNDING_TOLERANCE = 1e-4


def _udp_steps(logs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """UDP's Newton steps (N, K, 2) from the log's 3 x 3 patches (N, K, 9),
    in MMPose's float32 expressions, and how far (heatmap pixels) a
    rounding of the logs by a few float32 units could move each (N, K)."""
    (ix1_y1_, iy1_, _, ix1_, i_, ix1, _, iy1, ix1y1) = np.moveaxis(logs, -1, 0)
    dx = 0.5 * (ix1 - ix1_)
    dy = 0.5 * (iy1 - iy1_)
    dxx = ix1 - 2 * i_ + ix1_
    dyy = iy1 - 2 * i_ + iy1_
    dxy = 0.5 * (ix1y1 - ix1 - iy1 + i_ + i_ - ix1_ - iy1_ + ix1_y1_)
    # MMPose inverts (hessian + eps * I) in float64
    hessian = [d.astype(np.float64) for d in (dxx, dyy, dxy)]
    offsets, _ = _newton_steps((dx, dy), hessian, _EPS)
    return offsets, _sensitivity(hessian, offsets, logs, _EPS)


def _sensitivity(hessian: Sequence[np.ndarray], offsets: np.ndarray,
                 logs: np.ndarray, diagonal: float) -> np.ndarray:
    """A bound (N, K) on how far a Newton step moves when its log values
    change by 4 float32 units: ``|H^-1| (|dg| + |dH| |step|)``."""
    dxx, dyy, dxy = hessian
    dxx, dyy = dxx + diagonal, dyy + diagonal
    norm = np.abs(dxx) + np.abs(dyy) + 2 * np.abs(dxy)
    determinant = np.abs(dxx * dyy - dxy**2)
    noise = 4 * _EPS * np.maximum(
        1,
        np.abs(logs).reshape(*logs.shape[:2], -1).max(axis=-1))
    with np.errstate(divide='ignore', invalid='ignore'):
        bound = norm / determinant * noise * (1 +
                                              4 * np.abs(offsets).max(axis=-1))
    return np.where(np.isnan(bound), np.inf, bound)


def _udp_logs_whole(keypoints: np.ndarray, heatmaps: np.ndarray,
                    blur_kernel_size: int) -> np.ndarray:
    """MMPose's log of the blurred, rescaled, clipped whole maps at the
    3 x 3 pixels around each point (N, K, 9), read from the edge-padded
    maps by flat index as MMPose reads them (so a point at -1 reads what
    MMPose reads)."""
    count, channels, height, width = heatmaps.shape
    blurred = gaussian_blur(heatmaps, blur_kernel_size)
    np.clip(blurred, 1e-3, 50., blurred)
    np.log(blurred, blurred)
    padded = np.pad(
        blurred, ((0, 0), (0, 0), (1, 1), (1, 1)), mode='edge').ravel()
    index = keypoints[..., 0] + 1 + (keypoints[..., 1] + 1) * (width + 2)
    index += (width + 2) * (height + 2) * np.arange(count * channels).reshape(
        count, channels)
    steps = np.arange(-1, 2)
    offsets = (steps[:, None] * (width + 2) + steps[None, :]).ravel()
    return padded[index.astype(int)[..., None] + offsets]


def _at(heatmaps: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``heatmaps[n, k, y[n, k], x[n, k]]`` for every n, k."""
    count, channels = x.shape
    n, k = np.indices((count, channels))
    return heatmaps[n, k, y, x]


def refine_dark(keypoints: np.ndarray, heatmaps: np.ndarray,
                blur_kernel_size: int) -> np.ndarray:
    """DARK refinement (MSRAHeatmap ``unbiased``) of (N, K, 2) positions in
    heatmaps (N, K, H, W): a Newton step on the log of the blurred map,
    where the point is 2 pixels inside it and the Hessian is invertible.

    As in :func:`refine_dark_udp`, the step uses differences of the log
    only, in the 5 x 5 pixels around the point, so the blur is computed
    there; the whole maps only where MMPose's floor of 1e-10 could change
    a value or its float32 rounding could move the point.
    """
    height, width = heatmaps.shape[2:]
    x, y = keypoints[..., 0].astype(int), keypoints[..., 1].astype(int)
    inside = (1 < x) & (x < width - 2) & (1 < y) & (y < height - 2)
    x, y = np.clip(x, 2, width - 3), np.clip(y, 2, height - 3)
    patches = blurred_patches(heatmaps, x, y, blur_kernel_size, 2)
    exact = patches.min(axis=(2, 3)) >= 1e-10 * (1 + 1e-4)
    offsets, moved, sensitivity = _dark_steps(
        np.log(np.maximum(patches, 1e-10)))
    exact = ~inside | (exact & (sensitivity < _ROUNDING_TOLERANCE))
    if not exact.all():
        whole = gaussian_blur(heatmaps, blur_kernel_size)
        np.maximum(whole, 1e-10, whole)
        np.log(whole, whole)
        steps = np.arange(-2, 3)
        n, k = np.indices(x.shape)
        rows = (y[..., None] + steps)[..., :, None]
        cols = (x[..., None] + steps)[..., None, :]
        whole_offsets, whole_moved, _ = _dark_steps(whole[n[..., None, None],
                                                          k[..., None,
                                                            None], rows, cols])
        offsets = np.where(exact[..., None], offsets, whole_offsets)
        moved = np.where(exact, moved, whole_moved)
    keypoints -= np.where((inside & moved)[..., None], offsets, 0)
    return keypoints


def _dark_steps(logs: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """DARK's Newton steps (N, K, 2) from the log's 5 x 5 patches
    (N, K, 5, 5), in MMPose's float32 expressions; where MMPose moves the
    point (a non-zero determinant) (N, K); and the rounding bound of
    :func:`_sensitivity` (N, K)."""

    def value(dx: int, dy: int) -> np.ndarray:
        return logs[..., 2 + dy, 2 + dx]

    dx = 0.5 * (value(1, 0) - value(-1, 0))
    dy = 0.5 * (value(0, 1) - value(0, -1))
    dxx = 0.25 * (value(2, 0) - 2 * value(0, 0) + value(-2, 0))
    dxy = 0.25 * (value(1, 1) - value(1, -1) - value(-1, 1) + value(-1, -1))
    dyy = 0.25 * (value(0, 2) - 2 * value(0, 0) + value(0, -2))
    offsets, invertible = _newton_steps((dx, dy), (dxx, dyy, dxy), 0.)
    return offsets, invertible, _sensitivity((dxx, dyy, dxy), offsets, logs,
                                             0.)


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
    index = _clamp(np.round(peaks).astype(np.int64), bins - 1)
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
