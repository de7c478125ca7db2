"""Cheap checks that an image file can be used, run when a dataset loads,
and image reading for the predictors.

A JPEG's size is read from its frame header directly (tens of microseconds;
a 64,000-image annotation file loads in seconds); other formats go through
PIL, which also reads only the header.
"""
import os
import struct
import warnings
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
#: The default of :func:`max_image_pixels`: 50 megapixels.
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000


class FashionAIImageError(ValueError):
    """An image listed in a CSV is missing or unusable."""


def inside_image(points: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Where points lie in their image: ``0 <= x <= width`` and
    ``0 <= y <= height``, borders included (the sample annotations put
    border points at 512 on 512-pixel images); NaN is outside.

    Args:
        points: Pixels, shape (..., 2).
        sizes: ``(width, height)`` of each point's image, broadcastable to
            ``points``.

    Returns:
        np.ndarray: Boolean, shape ``points.shape[:-1]``.
    """
    with np.errstate(invalid='ignore'):
        return ((points >= 0) & (points <= sizes)).all(axis=-1)


def max_image_pixels() -> int:
    """The largest image (width x height) the tools decode:
    ``FASHIONAI_MAX_IMAGE_PIXELS``, default :data:`DEFAULT_MAX_IMAGE_PIXELS`.
    A 12000x12000 JPEG takes about 1 GB decoded, and a batch of them tens.
    """
    value = os.environ.get('FASHIONAI_MAX_IMAGE_PIXELS')
    if value is None:
        return DEFAULT_MAX_IMAGE_PIXELS
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise FashionAIImageError(
            f'FASHIONAI_MAX_IMAGE_PIXELS={value!r}: expected a positive '
            'number of pixels')
    return limit


def _exif_orientation(exif: bytes) -> int:
    """The Orientation tag (1-8) of an EXIF block (``Exif\\0\\0`` + TIFF);
    1 where absent or unreadable."""
    tiff = exif[6:]
    if len(tiff) < 8 or tiff[:2] not in (b'II', b'MM'):
        return 1
    order = '<' if tiff[:2] == b'II' else '>'
    offset = struct.unpack(order + 'I', tiff[4:8])[0]
    if offset + 2 > len(tiff):
        return 1
    count = struct.unpack(order + 'H', tiff[offset:offset + 2])[0]
    for entry in range(count):
        start = offset + 2 + 12 * entry
        if start + 12 > len(tiff):
            break
        tag, kind = struct.unpack(order + 'HH', tiff[start:start + 4])
        if tag == 0x0112 and kind in (3, 4):  # SHORT, or LONG as OpenCV
            code = 'H' if kind == 3 else 'I'
            size = struct.calcsize(code)
            value = struct.unpack(order + code,
                                  tiff[start + 8:start + 8 + size])[0]
            return value if 1 <= value <= 8 else 1
    return 1


def _jpeg_size(head: bytes) -> Optional[Tuple[int, int, int]]:
    """(width, height, EXIF orientation) from a JPEG's first bytes, as
    stored; None if the frame header is not found there."""
    offset, orientation, first_app1 = 2, 1, True
    while offset + 9 <= len(head):
        if head[offset] != 0xFF:
            return None
        marker = head[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        length = struct.unpack('>H', head[offset + 2:offset + 4])[0]
        # OpenCV reads the first APP1 segment only, if it is Exif
        if marker == 0xE1 and first_app1:
            first_app1 = False
            if head[offset + 4:offset + 9] == b'Exif\0':
                orientation = _exif_orientation(head[offset + 4:offset + 2 +
                                                     length])
        if marker in _SOF_MARKERS:
            height, width = struct.unpack('>HH', head[offset + 5:offset + 9])
            return width, height, orientation
        offset += 2 + length
    return None


def _pil_orientation(image: Image.Image) -> int:
    """The EXIF orientation OpenCV applies to a JPEG or PNG; 1 for other
    formats and where the EXIF block cannot be read."""
    if image.format not in ('JPEG', 'PNG'):
        return 1
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001  (PIL's many EXIF parser errors)
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _upright(path: str, width: int, height: int,
             orientation: int) -> Tuple[int, int]:
    """The size OpenCV decodes (it applies EXIF orientation to JPEG and
    PNG: 5-8 turn the picture a quarter), checked against the limit."""
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if width * height > max_image_pixels():
        raise _over_the_limit(path, f'is {width}x{height} pixels')
    return width, height


def _over_the_limit(path: str, size: str) -> FashionAIImageError:
    """The one refusal of an image over :func:`max_image_pixels`."""
    return FashionAIImageError(
        f'image {path} {size}, over the {max_image_pixels() / 1e6:g}-'
        'megapixel limit; shrink it, or raise FASHIONAI_MAX_IMAGE_PIXELS')


def image_size(path: str) -> Tuple[int, int]:
    """Return ``(width, height)`` of an image as it decodes (EXIF
    orientation applied, as OpenCV and MMPose's ``LoadImage`` apply it),
    reading only its header/tail.

    Raises:
        FashionAIImageError: The file is missing, empty, not an image, a
            JPEG cut short (no end-of-image marker), or larger than
            :func:`max_image_pixels`.
    """
    try:
        file_size = os.path.getsize(path)
    except (OSError, ValueError):  # ValueError: a NUL in the path
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
            if size is not None and min(size[:2]) > 0:
                return _upright(path, *size)
    try:
        with warnings.catch_warnings():
            # our own limit decides; PIL's warning would only repeat it
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                _upright(path, width, height, 1)  # the limit, before EXIF
                orientation = _pil_orientation(image)
    except FashionAIImageError:
        raise  # over the limit: already said
    except Image.DecompressionBombError:  # Pillow's own, larger limit
        raise _over_the_limit(
            path, 'claims more than '
            f'{2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels') from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise FashionAIImageError(
            f'image {path} is not a readable image ({error})') from None
    return _upright(path, width, height,
                    orientation if isinstance(orientation, int) else 1)


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
