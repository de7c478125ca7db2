"""Lost-point rate against box padding, for detector and true boxes.

Usage:
    python projects/garment_detector/tools/lost_points.py \
        ANNOTATION_CSV IMAGE_ROOT --bbox-file DETECTIONS.json \
        [--paddings 1.0 1.25 1.5 2.0] [--score-thrs 0 0.4] \
        [--gt-margin 0.05] [--plot lost_points.png]

For every padding of ``GetBBoxCenterScale``, the share of annotated points
that fall outside the square crop of a top-down model: with the detector's
best box of each image's category, for each score threshold (an image whose
best box scores less is cropped whole, as ``FashionAIDataset`` does), and
with the true box (points' extent grown by ``--gt-margin``, the detector's
training box). Prints a table; ``--plot`` draws it.
"""
import argparse
import os.path as osp
from typing import List, Optional

import numpy as np
from tabulate import tabulate

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
from fashionai_core.atomic import atomic_write
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.detections import best_boxes, box_in_image, garment_box
from fashionai_core.image_check import image_size
from fashionai_core.outputs import check_output, listed_images
from projects.garment_detector.evaluation import lost_point_rates


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two xyxy boxes."""
    low, high = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    inter = np.prod(np.clip(high - low, 0, None))
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    return float(inter / union) if union > 0 else 0.0


def plot(results: dict, path: str) -> None:
    """Visible points lost against padding, one line per kind of box."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    figure, axis = plt.subplots(figsize=(6, 4))
    for source, rates in results.items():
        axis.plot([r['padding'] for r in rates],
                  [100 * r['visible_lost'] for r in rates],
                  marker='o',
                  label=source)
    axis.axhline(0.5, color='grey', linestyle='--', label='0.5%')
    axis.set_xlabel('GetBBoxCenterScale padding')
    axis.set_ylabel('visible points outside the crop (%)')
    axis.legend()
    figure.tight_layout()
    with atomic_write(path, 'wb') as file:
        figure.savefig(file, format='png', dpi=100)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('csv', help='annotation CSV')
    parser.add_argument('image_root', help='folder image_id is relative to')
    parser.add_argument('--bbox-file', required=True, help='detections')
    parser.add_argument(
        '--paddings',
        type=float,
        nargs='+',
        default=[1.0, 1.1, 1.25, 1.5, 1.75, 2.0])
    parser.add_argument(
        '--score-thrs', type=float, nargs='+', default=[0.0, 0.3, 0.4])
    parser.add_argument('--gt-margin', type=float, default=0.05)
    parser.add_argument('--plot', help='PNG of the rates against padding')
    args = parser.parse_args(argv)

    if args.plot:
        check_output(args.plot, [args.csv, args.bbox_file] +
                     listed_images(args.csv, args.image_root),
                     [args.image_root])
    records = read_fashionai_csv(args.csv)
    sizes = [
        image_size(osp.join(args.image_root, image_id))
        for image_id in records.image_ids
    ]
    detections = best_boxes(args.bbox_file)
    true_boxes = [
        garment_box(points[visibility >= 0], args.gt_margin, width, height)
        for points, visibility, (
            width, height) in zip(records.keypoints, records.visibility, sizes)
    ]
    # each image's best box of its category inside it, at any score
    found = [
        box_in_image(detections, image_id, category, width, height)
        for image_id, category, (
            width, height) in zip(records.image_ids, records.categories, sizes)
    ]
    results, fallbacks = {}, {}
    for thr in args.score_thrs:
        boxes = [None if f is None or f.score < thr else f.bbox for f in found]
        name = f'detector, score >= {thr:g}'
        fallbacks[name] = sum(box is None for box in boxes)
        results[name] = lost_point_rates(records, boxes, sizes, args.paddings)
    results['true box'] = lost_point_rates(records, true_boxes, sizes,
                                           args.paddings)
    fallbacks['true box'] = 0
    ious = [
        box_iou(f.bbox, true) for f, true in zip(found, true_boxes)
        if f is not None and true is not None
    ]
    print(f'{len(records)} images')
    if ious:
        print(f'IoU of the detector\'s best box with the true box: median '
              f'{np.median(ious):.3f}, mean {np.mean(ious):.3f}, under 0.5: '
              f'{np.mean(np.array(ious) < 0.5):.1%}')
    rows = [[
        source, fallbacks[source], f'{r["padding"]:.2f}',
        f'{100 * r["visible_lost"]:.2f}', f'{100 * r["occluded_lost"]:.2f}',
        f'{100 * r["images_lost"]:.1f}'
    ] for source, rates in results.items() for r in rates]
    print(
        tabulate(
            rows,
            headers=[
                'boxes', 'whole image', 'padding', 'visible lost %',
                'occluded lost %', 'images with a lost point %'
            ]))
    if args.plot:
        plot(results, args.plot)
        print(f'plot written to {args.plot}')
    return 0


if __name__ == '__main__':
    run_tool(main)
