"""Rank annotation rows by how likely they are wrong.

Usage:
    python tools/check_labels.py ANN_CSV [IMAGE_ROOT] --out SUSPECTS.csv
        [--predictions PRED_CSV] [--sheet SUSPECTS.png] [--num 16] [--top 10]

The reasons, the output and the sheet: docs/label_cleaning.md (the rules:
``fashionai_core/label_check.py``).
"""
import argparse
import os.path as osp
import warnings
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from tabulate import tabulate

from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (FashionAIRecords, read_fashionai_csv,
                                   write_csv)
from fashionai_core.draw import contact_sheet, draw_row, write_png
from fashionai_core.image_check import FashionAIImageError, read_image
from fashionai_core.keypoints import keypoint_index
from fashionai_core.label_check import (SUSPECTS_HEADER, Suspect,
                                        check_against_predictions,
                                        check_labels, ranked,
                                        suspects_by_reason)
from fashionai_core.outputs import check_output, listed_images, same_file

SUSPECT_RING = (0, 0, 255)  # BGR: red
#: Rows left off the sheet that are named one by one.
MAX_LISTED = 10
#: Each reason as the sheet's captions write it (a 256-pixel cell holds
#: about 40 characters).
SHORT_REASONS = {
    'far from prediction': 'far',
    'mirrored prediction': 'mirrored',
    'same position': 'same'
}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('annotations', help='annotation CSV to check')
    parser.add_argument(
        'image_root',
        nargs='?',
        help='folder the image_ids are relative to (for --sheet)')
    parser.add_argument(
        '--out', required=True, help='the suspects CSV to write')
    parser.add_argument(
        '--predictions',
        help='submission CSV of a model\'s predictions of these images')
    parser.add_argument(
        '--sheet', help='a PNG of the highest-ranked suspect rows')
    parser.add_argument(
        '--num',
        type=int,
        default=16,
        help='suspect rows drawn on --sheet (default 16)')
    parser.add_argument(
        '--top', type=int, default=10, help='suspects printed (default 10)')
    args = parser.parse_args(argv)
    if args.top < 0:
        parser.error(f'--top {args.top}: expected a count >= 0')
    if args.num < 1:
        parser.error(f'--num {args.num}: expected a count >= 1')
    if args.sheet and not args.image_root:
        parser.error('--sheet draws the images: give IMAGE_ROOT')
    if args.sheet and same_file(args.sheet, args.out):
        parser.error('--sheet and --out name the same file')
    inputs = [args.annotations, args.predictions] + (
        listed_images(args.annotations, args.image_root)
        if args.image_root else [])
    check_output(args.out, inputs, [args.image_root])
    if args.sheet:
        check_output(args.sheet, inputs, [args.image_root])
        if not osp.isdir(args.image_root):
            raise ValueError(f'{args.image_root}: not a folder; give the '
                             'folder the image_ids are relative to')
    records = read_fashionai_csv(args.annotations, require_keypoints=True)
    predictions = read_fashionai_csv(
        args.predictions, allow_decimal=True,
        require_keypoints=True) if args.predictions else None
    suspects = check_labels(records)
    if predictions is not None:
        from_model, unpredicted = check_against_predictions(
            records, predictions)
        suspects = ranked(suspects + from_model)
        if unpredicted:
            warnings.warn(f'{unpredicted} of {len(records)} annotated rows '
                          f'have no prediction of their category in '
                          f'{args.predictions}; only '
                          'their geometry was checked')
    rows = [[
        rank, records.lines[s.row], records.image_ids[s.row],
        records.categories[s.row], s.reason, s.keypoint, f'{s.score:.2f}',
        s.detail
    ] for rank, s in enumerate(suspects, 1)]
    write_csv(args.out, SUSPECTS_HEADER, rows)
    counts = suspects_by_reason(suspects)
    flagged = len({s.row for s in suspects})
    print(f'{args.annotations}: {len(records)} rows, {flagged} suspect '
          f'({", ".join(f"{r}: {n}" for r, n in counts.items()) or "none"})')
    if rows and args.top:
        print(
            tabulate([row[:7] for row in rows[:args.top]],
                     headers=SUSPECTS_HEADER[:7]))
    print(f'written to {args.out}')
    if args.sheet:
        drawn, skipped = suspect_drawings(suspects, records, predictions,
                                          args.image_root, args.num)
        if not suspects:
            print(f'no suspects: {args.sheet} not written')
        elif not drawn:
            print(f'no suspect row\'s image could be drawn; {args.sheet} '
                  'not written')
        else:
            images, captions = zip(*drawn)
            write_png(args.sheet, contact_sheet(images, captions))
            print(f'{len(drawn)} suspect rows drawn on {args.sheet}')
        for message in skipped[:MAX_LISTED]:
            warnings.warn(f'left off the sheet: {message}')
        if len(skipped) > MAX_LISTED:
            warnings.warn(f'left off the sheet: {len(skipped) - MAX_LISTED} '
                          'more rows whose images could not be read')
    return 0


def suspect_drawings(suspects: List[Suspect], records: FashionAIRecords,
                     predictions: Optional[FashionAIRecords], image_root: str,
                     num: int
                     ) -> Tuple[List[Tuple[np.ndarray, str]], List[str]]:
    """The drawing and caption of the ``num`` highest-ranked suspect rows
    whose images read, and why each other row was left off."""
    first: Dict[int, Tuple[int, Suspect]] = {}
    for rank, suspect in enumerate(suspects, 1):
        first.setdefault(suspect.row, (rank, suspect))
    predicted = predictions.index_of() if predictions is not None else {}
    drawn, skipped = [], []
    for row, (rank, suspect) in first.items():
        if len(drawn) == num:
            break
        image_id, category = records.image_ids[row], records.categories[row]
        try:
            image = read_image(osp.join(image_root, image_id))
        except (FashionAIImageError, OSError) as error:
            skipped.append(str(error))
            continue
        p = predicted.get(image_id)
        image = draw_row(
            image, category, (records.keypoints[row], records.visibility[row]),
            None if p is None else
            (predictions.keypoints[p], predictions.visibility[p]))
        if suspect.keypoint:
            # a label far off the image is ringed at the image's edge
            x, y = np.clip(
                records.keypoints[row, keypoint_index(suspect.keypoint)], 0,
                image.shape[1::-1])
            radius = max(8, round(max(image.shape[:2]) / 30))
            cv2.circle(image, (round(x), round(y)), radius, SUSPECT_RING, 2,
                       cv2.LINE_AA)
        reason = SHORT_REASONS.get(suspect.reason, suspect.reason)
        drawn.append((image, f'#{rank} {reason} {suspect.keypoint} '
                      f'{suspect.score:.3g}'))
    return drawn, skipped


if __name__ == '__main__':
    run_tool(main)
