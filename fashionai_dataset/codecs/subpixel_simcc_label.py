"""SimCC labels without MMPose's rounding to the bin grid.

MMPose's :class:`~mmpose.codecs.SimCCLabel` rounds each point to the nearest
of its ``input_size * simcc_split_ratio`` bins before drawing the Gaussian
label, and decodes with the argmax bin: a perfect network is still off by up
to half a bin. At the default split ratio of 2 that is a quarter of an input
pixel, about 0.3% NE at 256 pixels (``tools/benchmark_codec.py``).
:class:`SubpixelSimCCLabel` centres the Gaussian at the exact position and
decodes with a parabola through the peak bin and its two neighbours, the
1-D analogue of DARK. On a Gaussian label the fit is off by at most 0.006
bin at sigma 2.83 bins and 0.0015 at 5.66 (the shipped sigmas), and it does
not change with an offset or scale of the network's output, which
``KLDiscretLoss`` leaves undetermined.
"""
from typing import Optional, Tuple

import numpy as np
from mmpose.codecs import SimCCLabel
from mmpose.registry import KEYPOINT_CODECS


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


@KEYPOINT_CODECS.register_module()
class SubpixelSimCCLabel(SimCCLabel):
    """SimCCLabel with Gaussian labels at the exact sub-bin position and a
    parabola-fit decoder.

    Arguments are :class:`~mmpose.codecs.SimCCLabel`'s, restricted to
    ``smoothing_type='gaussian'`` (the one RTMPose uses). Encoded labels have
    the same keys and shapes (``keypoint_x_labels``: (N, K, W * ratio),
    ``keypoint_y_labels``: (N, K, H * ratio)); decoded keypoints are in
    input pixels, shape (N, K, 2).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.smoothing_type != 'gaussian':
            raise ValueError('SubpixelSimCCLabel supports only '
                             "smoothing_type='gaussian', got "
                             f'{self.smoothing_type!r}')
        if self.use_dark:
            raise ValueError('SubpixelSimCCLabel decodes with its own '
                             'sub-bin fit; use_dark must be False')

    def _map_coordinates(
        self,
        keypoints: np.ndarray,
        keypoints_visible: Optional[np.ndarray] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints in bins, not rounded: SimCCLabel's Gaussian labels are
        then centred at the exact position."""
        return (keypoints * self.simcc_split_ratio, keypoints_visible.copy())

    def decode(self, simcc_x: np.ndarray,
               simcc_y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """SimCCLabel's decoding (argmax bin, scores, visibility), each
        point then refined within its bin: keypoints in input pixels, shape
        (N, K, 2)."""
        keypoints, scores = super().decode(simcc_x, simcc_y)
        count, points = keypoints.shape[:2]
        for axis, simcc in enumerate((simcc_x, simcc_y)):
            # as SimCCLabel: a point with no positive response stays at -1
            peaks = keypoints[..., axis] * self.simcc_split_ratio
            keypoints[..., axis] = refine_simcc_parabola(
                simcc.reshape(count, points, -1),
                peaks) / self.simcc_split_ratio
        return keypoints, scores
