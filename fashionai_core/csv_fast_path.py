"""Reading well-formed FashionAI CSV text quickly.

A 54,000-row file holds 3.9 million numbers; converting them one by one in
Python takes longer than the whole evaluation. These functions read a file
that is exactly as it should be (no quoting, every cell a plain ``x_y_v``
triple) with a handful of numpy operations, and give up, returning
``None``, at the first doubt. :mod:`.csv_io` then reads the file again row
by row and raises the error that names the line and column, so only
well-formed files take this path and the two paths agree on every file
they both accept.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from .keypoints import CATEGORIES, NUM_KEYPOINTS

_COMMA, _UNDERSCORE, _MINUS, _DOT = (ord(c) for c in ',_-.')
# the separators of one row's keypoint cells: x_y_v,x_y_v,...
_CELL_SEPARATORS = np.frombuffer(b'__,', np.uint8)
# float64 holds every integer of up to 15 digits exactly
_MAX_DIGITS = 15
_POWERS_OF_TEN = 10.0**np.arange(_MAX_DIGITS + 1)
_CHUNK_ROWS = 4096


@dataclass
class PlainRows:
    """The rows of a well-formed CSV text.

    Attributes:
        image_ids: ``image_id`` per row.
        categories: ``image_category`` per row.
        lines: 1-based line number of each row.
        repeated_lines: Lines that repeated an earlier line verbatim.
        keypoints: ``x, y, v`` per point, shape (N, 24, 3), float64;
            ``None`` for a test list.
    """
    image_ids: List[str]
    categories: List[str]
    lines: List[int]
    repeated_lines: List[int]
    keypoints: Optional[np.ndarray]


def parse_plain_rows(body: List[str], first_line: int, has_keypoints: bool,
                     allow_decimal: bool) -> Optional[PlainRows]:
    """Parse the lines after the header, or return ``None`` at any doubt.

    Args:
        body: The file's lines after the header, without line ends.
        first_line: The 1-based line number of ``body[0]``.
        has_keypoints: Whether the header has the 24 keypoint columns.
        allow_decimal: Accept decimal ``x`` and ``y`` (submissions).

    Returns:
        PlainRows or None: ``None`` when a line has quotes, the wrong number
        of cells, an empty ``image_id``, an unknown category, a duplicate
        ``image_id`` with another row, or a cell that is not a plain finite
        ``x_y_v`` with ``v`` in {1, 0, -1} and ``-1_-1_-1`` where absent.
    """
    parts_wanted = 3 if has_keypoints else 2
    image_ids: List[str] = []
    categories: List[str] = []
    lines: List[int] = []
    keypoint_text: List[str] = []
    seen: Dict[str, str] = {}
    repeated_lines: List[int] = []
    for number, text in enumerate(body, first_line):
        if not text:
            continue
        if '"' in text:
            return None
        parts = text.split(',', 2)
        if len(parts) != parts_wanted:
            return None
        image_id, category = parts[0].strip(), parts[1].strip()
        if not image_id or category not in CATEGORIES:
            return None
        if image_id in seen:
            if seen[image_id] != text:
                return None
            repeated_lines.append(number)
            continue
        seen[image_id] = text
        image_ids.append(image_id)
        categories.append(category)
        lines.append(number)
        if has_keypoints:
            keypoint_text.append(parts[2])
    keypoints = None
    if has_keypoints:
        # in chunks: the temporary arrays stay small and in cache
        chunks = []
        for start in range(0, max(len(keypoint_text), 1), _CHUNK_ROWS):
            rows = keypoint_text[start:start + _CHUNK_ROWS]
            chunks.append(
                keypoint_table(','.join(rows), len(rows), allow_decimal))
            if chunks[-1] is None:
                return None
        keypoints = np.concatenate(chunks)
    return PlainRows(image_ids, categories, lines, repeated_lines, keypoints)


def keypoint_table(text: str, num_rows: int,
                   allow_decimal: bool) -> Optional[np.ndarray]:
    """Parse ``num_rows`` rows of 24 ``x_y_v`` cells joined by commas.

    Args:
        text: The rows' keypoint cells, ``x_y_v,x_y_v,...``, rows joined by
            commas too.
        num_rows: How many rows ``text`` holds.
        allow_decimal: Accept decimals (``12.5``) for ``x`` and ``y``; ``v``
            is always an integer.

    Returns:
        np.ndarray or None: Shape (num_rows, 24, 3), float64, equal to
        ``float()`` of each number; ``None`` at any doubt.
    """
    if num_rows == 0:
        return np.zeros((0, NUM_KEYPOINTS, 3))
    if not text.isascii():
        return None
    chars = np.frombuffer(text.encode('ascii'), np.uint8)
    separator = (chars == _COMMA) | (chars == _UNDERSCORE)
    separator_at = np.flatnonzero(separator)
    expected = np.tile(_CELL_SEPARATORS, num_rows * NUM_KEYPOINTS)[:-1]
    if not np.array_equal(chars[separator_at], expected):
        return None
    digit = (chars - ord('0')) < 10  # uint8: smaller characters wrap round
    minus_at = np.flatnonzero(chars == _MINUS)
    dot_at = np.flatnonzero(chars == _DOT)
    if (digit.sum() + len(minus_at) + len(dot_at) + len(separator_at)
            != len(chars)):
        return None
    # token[i]: which number character i belongs to (a separator: the next)
    token = np.cumsum(separator, dtype=np.int32)
    num_tokens = num_rows * NUM_KEYPOINTS * 3
    # one past each number's last character
    token_end = np.append(separator_at, len(chars))
    token_start = np.concatenate(([0], separator_at + 1))
    digit_at = np.flatnonzero(digit)
    digit_token = token[digit_at]
    digits = np.bincount(digit_token, minlength=num_tokens)
    minus_token, dot_token = token[minus_at], token[dot_at]
    if ((digits == 0).any() or digits.max() > _MAX_DIGITS
            or (token_start[minus_token] != minus_at).any()
            or (np.bincount(dot_token, minlength=num_tokens) > 1).any()
            or (dot_token % 3 == 2).any()
            or (len(dot_at) and not allow_decimal)):
        return None
    # each digit times 10 to the number of digits after it in its number:
    # the index of the number's last digit minus this digit's index
    last_digit = np.cumsum(digits) - 1
    place = last_digit[digit_token] - np.arange(len(digit_at))
    values = np.bincount(
        digit_token,
        weights=(chars[digit_at] - ord('0')) * _POWERS_OF_TEN[place],
        minlength=num_tokens)
    if len(dot_at):
        # the characters after a number's dot are all digits
        decimals = token_end[dot_token] - dot_at - 1
        # an exact integer over an exact power of ten: float()'s rounding
        values[dot_token] /= _POWERS_OF_TEN[decimals]
    values[minus_token] *= -1
    table = values.reshape(num_rows, NUM_KEYPOINTS, 3)
    visibility = table[..., 2]
    if not (np.isin(visibility, (-1, 0, 1)).all() and
            (table[visibility == -1, :2] == -1).all()):
        return None
    return table
