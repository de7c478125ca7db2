"""Blur, sensor noise and occlusion: the photometric augmentations MMPose
takes from the ``albumentations`` package, which cannot be installed beside
this project's pins (its releases need numpy 2 and opencv-python-headless,
docs/dependencies.md). RTMPose's recipe names albumentations' ``Blur``,
``MedianBlur`` and ``CoarseDropout``; :class:`RandomBoxBlur`,
:class:`RandomMedianBlur` and :class:`CoarseDropout` do the same."""
from typing import Dict, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomGaussianBlur(BaseTransform):
    """Blur ``img`` with a Gaussian kernel of a random odd size.

    Args:
        prob (float): Probability of blurring. Defaults to 0.1.
        kernel_sizes (Sequence[int]): Odd kernel sizes (pixels of the image
            it sees) to choose from. Defaults to (3, 5, 7).
    """

    def __init__(self,
                 prob: float = 0.1,
                 kernel_sizes: Sequence[int] = (3, 5, 7)) -> None:
        super().__init__()
        if any(k % 2 == 0 for k in kernel_sizes):
            raise ValueError(f'kernel sizes must be odd, got {kernel_sizes}')
        self.prob = prob
        self.kernel_sizes = tuple(kernel_sizes)

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            k = int(np.random.choice(self.kernel_sizes))
            results['img'] = cv2.GaussianBlur(results['img'], (k, k), 0)
        return results


@TRANSFORMS.register_module()
class RandomGaussianNoise(BaseTransform):
    """Add zero-mean Gaussian noise to a uint8 ``img``.

    Args:
        prob (float): Probability of adding noise. Defaults to 0.1.
        sigma_range (Sequence[float]): Range of the noise's standard
            deviation, in grey levels. Defaults to (3, 12).
    """

    def __init__(self,
                 prob: float = 0.1,
                 sigma_range: Sequence[float] = (3.0, 12.0)) -> None:
        super().__init__()
        self.prob = prob
        self.sigma_range = tuple(sigma_range)

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            sigma = np.random.uniform(*self.sigma_range)
            image = results['img'].astype(np.float32)
            image += np.random.normal(0, sigma, image.shape)
            results['img'] = np.clip(image, 0, 255).astype(np.uint8)
        return results


@TRANSFORMS.register_module()
class RandomBoxBlur(RandomGaussianBlur):
    """Blur ``img`` with a box (mean) filter of a random odd size, as
    albumentations' ``Blur`` (kernel 3 to 7 pixels).

    Args: as :class:`RandomGaussianBlur`.
    """

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            k = int(np.random.choice(self.kernel_sizes))
            results['img'] = cv2.blur(results['img'], (k, k))
        return results


@TRANSFORMS.register_module()
class RandomMedianBlur(RandomGaussianBlur):
    """Median-filter ``img`` with a random odd kernel, as albumentations'
    ``MedianBlur`` (kernel 3 to 7 pixels).

    Args: as :class:`RandomGaussianBlur`.
    """

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            k = int(np.random.choice(self.kernel_sizes))
            results['img'] = cv2.medianBlur(results['img'], k)
        return results


@TRANSFORMS.register_module()
class CoarseDropout(BaseTransform):
    """Black out one random rectangle of ``img``, as albumentations'
    ``CoarseDropout(max_holes=1, min_holes=1)`` with sizes given as
    fractions of the image: the model learns to place points it cannot see.
    Keypoints and their weights are left as they are.

    Args:
        prob (float): Probability of a hole. Defaults to 1.0.
        size_range (Sequence[float]): Range of the hole's height and width
            (each drawn on its own) as fractions of the image's.
            Defaults to (0.2, 0.4), RTMPose's.
        fill_value (int): Grey level of the hole. Defaults to 0.
    """

    def __init__(self,
                 prob: float = 1.0,
                 size_range: Sequence[float] = (0.2, 0.4),
                 fill_value: int = 0) -> None:
        super().__init__()
        low, high = size_range
        if not 0 < low <= high <= 1:
            raise ValueError('size_range must satisfy 0 < low <= high <= 1, '
                             f'got {size_range}')
        self.prob = prob
        self.size_range = (low, high)
        self.fill_value = fill_value

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            image = results['img']
            height, width = image.shape[:2]
            hole_h = int(height * np.random.uniform(*self.size_range))
            hole_w = int(width * np.random.uniform(*self.size_range))
            top = np.random.randint(0, height - hole_h + 1)
            left = np.random.randint(0, width - hole_w + 1)
            image = image.copy()
            image[top:top + hole_h, left:left + hole_w] = self.fill_value
            results['img'] = image
        return results
