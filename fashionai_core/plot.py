"""A picture of an evaluation: NE per keypoint per category, worst images."""
import os.path as osp
from typing import List, Tuple

import numpy as np
# A figure drawn on its own Agg canvas: no pyplot, so the process's
# matplotlib backend (a notebook's, a user's) is left as it is.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .atomic import atomic_write
from .keypoints import CATEGORIES, CATEGORY_KEYPOINTS, KEYPOINT_NAMES
from .normalized_error import per_image_ne
from .submission_evaluation import SubmissionEvaluation


def worst_images(result: SubmissionEvaluation,
                 count: int = 10) -> List[Tuple[str, float]]:
    """The images with the largest mean NE over their counted points.

    Returns:
        list: ``(image_id, NE in percent)``, worst first.
    """
    per_image = per_image_ne(result.errors)
    order = [
        i for i in np.argsort(-np.nan_to_num(per_image, nan=-1))
        if not np.isnan(per_image[i])
    ][:count]
    return [(result.image_ids[i], float(per_image[i])) for i in order]


def plot_evaluation(result: SubmissionEvaluation, path: str) -> None:
    """Draw NE per keypoint for each category, and list the worst images.

    Args:
        result: From :func:`evaluate_submission`.
        path: PNG to write (atomically).
    """
    errors = result.errors
    figure = Figure(figsize=(15, 9))
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, 3)
    for axis, (category_id, category) in zip(axes.flat, enumerate(CATEGORIES)):
        rows = errors.category_ids == category_id
        names, values = [], []
        for name in CATEGORY_KEYPOINTS[category]:
            column = errors.errors[rows, KEYPOINT_NAMES.index(name)]
            column = column[~np.isnan(column)]
            if len(column):
                names.append(name)
                values.append(column.mean() * 100)
        axis.barh(names, values, color='tab:blue')
        axis.invert_yaxis()
        overall = result.summary.get(f'NE/{category}')
        axis.set_title(f'{category}: NE {overall:.2f}%'
                       if overall is not None else f'{category}: no images')
        axis.set_xlabel('NE (%)')
        axis.tick_params(axis='y', labelsize=8)
    text_axis = axes.flat[-1]
    text_axis.axis('off')
    lines = [
        f'NE {result.summary["NE"]:.3f}% over '
        f'{result.summary["num_points"]} points', '', 'worst images:'
    ]
    lines += [
        f'{ne:7.2f}%  {osp.basename(image_id)[:28]}'
        for image_id, ne in worst_images(result)
    ]
    # parse_math=False: a '$' in an image id is text, not a formula
    text_axis.text(
        0,
        1,
        '\n'.join(lines),
        va='top',
        family='monospace',
        fontsize=9,
        parse_math=False)
    figure.tight_layout()
    with atomic_write(path, 'wb') as file:
        figure.savefig(file, format='png', dpi=80)
