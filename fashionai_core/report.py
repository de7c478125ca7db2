"""Human-readable tables of NE results."""
from typing import Dict

from tabulate import tabulate

from .keypoints import CATEGORIES, KEYPOINT_NAMES


def format_summary(summary: Dict[str, float]) -> str:
    """Format the output of :func:`normalized_error.summarize` as text.

    The first line is ``NE: <percent>`` with 6 decimals (the figure scripts
    grep for), followed by counts and tables per category and per keypoint.
    """
    lines = [
        f'NE: {summary["NE"]:.6f}',
        f'points counted: {summary["num_points"]}, images: '
        f'{summary["num_images"]}, images left out (no normalizer): '
        f'{summary["num_images_without_normalizer"]}',
    ]
    per_category = [[c, f'{summary[f"NE/{c}"]:.4f}'] for c in CATEGORIES
                    if f'NE/{c}' in summary]
    per_keypoint = [[k, f'{summary[f"NE/{k}"]:.4f}'] for k in KEYPOINT_NAMES
                    if f'NE/{k}' in summary]
    if per_category:
        lines += ['', tabulate(per_category, headers=['category', 'NE %'])]
    if per_keypoint:
        lines += ['', tabulate(per_keypoint, headers=['keypoint', 'NE %'])]
    return '\n'.join(lines)
