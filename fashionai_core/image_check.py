"""Cheap checks that an image file can be used, run when a dataset loads,
and image reading for the predictors.

A JPEG's size is read from its frame header directly (tens of microseconds;
a 64,000-image annotation file loads in seconds); other formats go through
PIL, which also reads only the header.
"""
import os
import struct
from typing import Optional, Tuple

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

#: How far from the end of a JPEG its end-of-image marker may sit (some
#: cameras append a few bytes after it).
_JPEG_TAIL = 2048
_JPEG_HEAD = 65536
#: Start-of-frame markers (SOF0-SOF15 less DHT, JPG and DAC).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class FashionAIImageError(ValueError):
    """An image listed in a CSV is missing or unusable."""


def _jpeg_size(head: bytes) -> Optional[Tuple[int, int]]:
    """(width, height) from a JPEG's first bytes; None if not found there."""
    offset = 2
    while offset + 9 <= len(head):
        if head[offset] != 0xFF:
            return None
        marker = head[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        length = struct.unpack('>H', head[offset + 2:offset + 4])[0]
        if marker in _SOF_MARKERS:
            height, width = struct.unpack('>HH', head[offset + 5:offset + 9])
            return width, height
        offset += 2 + length
    return None


def image_size(path: str) -> Tuple[int, int]:
    """Return ``(width, height)`` of an image, reading only its header/tail.

    Raises:
        FashionAIImageError: The file is missing, empty, not an image, or a
            JPEG cut short (no end-of-image marker).
    """
    try:
        file_size = os.path.getsize(path)
    except OSError:
        raise FashionAIImageError(f'image {path} does not exist') from None
    if file_size == 0:
        raise FashionAIImageError(f'image {path} is an empty file')
    with open(path, 'rb') as file:
        head = file.read(_JPEG_HEAD)
        if head[:2] == b'\xff\xd8':
            file.seek(max(0, file_size - _JPEG_TAIL))
            if b'\xff\xd9' not in file.read():
                raise FashionAIImageError(
                    f'image {path} is a truncated JPEG (no end-of-image '
                    'marker)')
            size = _jpeg_size(head)
            if size is not None and min(size) > 0:
                return size
    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError) as error:
        raise FashionAIImageError(
            f'image {path} is not a readable image ({error})') from None


def read_image(path: str) -> np.ndarray:
    """Read an image as BGR (H, W, 3) uint8, as MMPose's ``LoadImage`` does
    (OpenCV decoding of the file's bytes, EXIF orientation applied).

    Raises:
        FashionAIImageError: The file is missing, empty, truncated or not an
            image OpenCV decodes.
    """
    image_size(path)
    image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise FashionAIImageError(f'image {path} cannot be decoded by OpenCV')
    return image
