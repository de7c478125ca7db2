"""Blur and sensor noise, the photometric augmentations MMPose lacks
without albumentations."""
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
