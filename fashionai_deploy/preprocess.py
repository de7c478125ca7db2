"""The test pipeline of the FashionAI configs in numpy and OpenCV.

MMPose's ``GetBBoxCenterScale`` -> ``TopdownAffine`` -> data preprocessor,
for one box (the whole image, or a detector's) and no rotation, step for
step in the same dtypes, so that an exported network sees the pixels the
PyTorch model sees.
"""
from typing import Any, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np


def box_center_scale(box: np.ndarray, padding: float,
                     aspect_ratio: float) -> Tuple[np.ndarray, np.ndarray]:
    """Centre and size of a padded box, as MMPose's ``bbox_xyxy2cs`` then
    ``TopdownAffine._fix_aspect_ratio`` compute them.

    Args:
        box: ``[x1, y1, x2, y2]``, image pixels.
        padding: The box is enlarged by this factor (1.25 in the configs).
        aspect_ratio: Network input width / height.

    Returns:
        tuple: centre (2,) and scale (2,), float32, image pixels.
    """
    box = np.asarray(box, dtype=np.float32)
    center = np.array([box[0] + box[2], box[1] + box[3]]) * 0.5
    scale = np.array([box[2] - box[0], box[3] - box[1]]) * padding
    w, h = scale
    scale = (np.array([w, w / aspect_ratio]) if w > h *
             aspect_ratio else np.array([h *
                                         aspect_ratio, h])).astype(np.float32)
    return center.astype(np.float32), scale


def warp_matrix(center: np.ndarray, scale: np.ndarray,
                input_size: Sequence[int], use_udp: bool) -> np.ndarray:
    """The 2x3 affine from image to network input pixels (no rotation).

    MMPose's ``get_udp_warp_matrix`` when ``use_udp``, else
    ``get_warp_matrix`` (three point pairs through
    ``cv2.getAffineTransform``), with ``rot=0``.
    """
    w, h = input_size
    if use_udp:
        matrix = np.zeros((2, 3), dtype=np.float32)
        scale_x = (w - 1) / scale[0]
        scale_y = (h - 1) / scale[1]
        matrix[0, 0] = scale_x
        matrix[0, 2] = scale_x * (-0.5 * center[0] * 2 + 0.5 * scale[0])
        matrix[1, 1] = scale_y
        matrix[1, 2] = scale_y * (-0.5 * center[1] * 2 + 0.5 * scale[1])
        return matrix
    src = np.zeros((3, 2), dtype=np.float32)
    dst = np.zeros((3, 2), dtype=np.float32)
    src[0] = center
    src[1] = center + np.array([scale[0] * -0.5, 0.])
    dst[0] = [w * 0.5, h * 0.5]
    dst[1] = np.array([w * 0.5, h * 0.5]) + np.array([w * -0.5, 0.])
    # the third point: the first two's difference turned by 90 degrees
    for points in (src, dst):
        direction = points[0] - points[1]
        points[2] = points[1] + np.r_[-direction[1], direction[0]]
    return cv2.getAffineTransform(src, dst)


def warp_image(image: np.ndarray,
               padding: float,
               input_size: Sequence[int],
               use_udp: bool,
               box: Optional[np.ndarray] = None
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Warp a box of an image to the network input.

    Args:
        image: BGR image (H, W, 3), uint8.
        padding: Box enlargement factor.
        input_size: Network input (width, height), pixels.
        use_udp: UDP's warp instead of MMPose's classic one.
        box: ``[x1, y1, x2, y2]`` in image pixels; default: the whole image.

    Returns:
        tuple: the warped image (h, w, 3) uint8, and the box centre (2,) and
        scale (2,) that map input pixels back to the image.
    """
    height, width = image.shape[:2]
    if box is None:
        box = np.array([0, 0, width, height], dtype=np.float32)
    center, scale = box_center_scale(box, padding,
                                     input_size[0] / input_size[1])
    matrix = warp_matrix(center, scale, input_size, use_udp)
    warped = cv2.warpAffine(
        image,
        matrix, (int(input_size[0]), int(input_size[1])),
        flags=cv2.INTER_LINEAR)
    return warped, center, scale


def normalize(images: np.ndarray,
              mean: Sequence[float],
              std: Sequence[float],
              bgr_to_rgb: bool,
              mirrored: bool = False) -> np.ndarray:
    """Network input from warped images, as ``PoseDataPreprocessor``: its
    float32 ``(value - mean) / std``, channel by channel.

    Args:
        images: BGR images (N, h, w, 3), uint8 (or another real dtype).
        mean: Per-channel mean, in the network's channel order.
        std: Per-channel divisor.
        bgr_to_rgb: Reverse the channels first.
        mirrored: Also the inputs of the images mirrored left to right (the
            flip test's), after the N images.

    Returns:
        np.ndarray: (N, 3, h, w) float32, or (2N, 3, h, w) with
        ``mirrored``.

    Raises:
        ValueError: ``images`` is not (N, h, w, 3) (a grayscale image).
    """
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f'normalize takes BGR images (N, h, w, 3), not an '
                         f'array of shape {images.shape}')
    count = len(images)
    out = np.empty(((2 if mirrored else 1) * count, 3, *images.shape[1:3]),
                   dtype=np.float32)
    # channel by channel into the batch: 10-20x faster than whole-array
    # arithmetic on the transposed view
    for channel, source in enumerate((2, 1, 0) if bgr_to_rgb else (0, 1, 2)):
        plane = out[:count, channel]
        np.subtract(
            images[..., source],
            np.float32(mean[channel]),
            out=plane,
            dtype=np.float32)
        np.divide(plane, np.float32(std[channel]), out=plane)
    if mirrored:
        out[count:] = out[:count, ..., ::-1]
    return out


def network_inputs(images: Sequence[np.ndarray],
                   metadata: Mapping[str, Any],
                   boxes: Optional[Sequence[Optional[np.ndarray]]] = None,
                   mirrored: bool = False
                   ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images -> the network's input, as an exported file's metadata says:
    each box warped once (:func:`warp_image`), then normalised together.

    Args:
        images: BGR images (H, W, 3), uint8, any sizes.
        metadata: The file's metadata (:mod:`fashionai_deploy.metadata`).
        boxes: ``[x1, y1, x2, y2]`` per image, or None for the whole image.
        mirrored: Also each input mirrored (the flip test's), after them.

    Returns:
        tuple: inputs (N, 3, h, w) float32 ((2N, 3, h, w) with
        ``mirrored``), and the boxes' centres (N, 2) and scales (N, 2) that
        map input pixels back to each image.
    """
    warped, centers, scales = [], [], []
    for image, box in zip(images, boxes or [None] * len(images)):
        crop, center, scale = warp_image(image, metadata['bbox_padding'],
                                         metadata['input_size'],
                                         metadata['use_udp'], box)
        warped.append(crop)
        centers.append(center)
        scales.append(scale)
    inputs = normalize(
        np.stack(warped), metadata['mean'], metadata['std'],
        metadata['bgr_to_rgb'], mirrored)
    return inputs, np.stack(centers), np.stack(scales)


def to_image_pixels(keypoints: np.ndarray, center: np.ndarray,
                    scale: np.ndarray,
                    input_size: Sequence[int]) -> np.ndarray:
    """Input pixels -> image pixels, as ``TopdownPoseEstimator`` maps them.

    Args:
        keypoints: (K, 2) in network input pixels, or (N, K, 2).
        center, scale: The box from :func:`warp_image`, (2,), or (N, 1, 2)
            for a batch.
        input_size: Network input (width, height).

    Returns:
        np.ndarray: Image pixels, the shape of ``keypoints``.
    """
    input_size = np.asarray(input_size)
    return keypoints / input_size * scale + center - 0.5 * scale
