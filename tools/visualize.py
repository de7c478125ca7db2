"""Draw FashionAI ground truth and/or predictions on images.

Usage:
    python tools/visualize.py IMAGE_ROOT [--ann ANN_CSV] [--pred PRED_CSV]
        (--out-dir DIR | --sheet OUT.png) [--num 16] [--category C]

Ground truth: circles (filled visible, hollow occluded) and the category's
skeleton; predictions: magenta crosses. ``--out-dir`` writes one PNG per
image (same relative path); ``--sheet`` one contact sheet.
"""
import argparse
import os
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Tuple

from fashionai_core.cli import run_tool
from fashionai_core.csv_io import FashionAIRecords, read_fashionai_csv
from fashionai_core.draw import contact_sheet, draw_row, write_png
from fashionai_core.image_check import read_image
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.outputs import OutputFolder, check_output
from fashionai_core.paths import unique_outputs


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('image_root', help='folder image_id is relative to')
    parser.add_argument('--ann', help='ground-truth annotation CSV')
    parser.add_argument('--pred', help='submission CSV')
    output = parser.add_mutually_exclusive_group(required=True)
    output.add_argument('--out-dir', help='one PNG per image here')
    output.add_argument('--sheet', help='one contact sheet PNG')
    parser.add_argument('--num', type=int, default=16, help='images to draw')
    parser.add_argument('--category', choices=CATEGORIES)
    parser.add_argument('--columns', type=int, default=4)
    args = parser.parse_args(argv)
    if args.columns < 1 or args.num < 1:
        parser.error('--columns and --num must be at least 1')
    if not args.ann and not args.pred:
        parser.error('give --ann, --pred or both')

    truth = read_fashionai_csv(args.ann) if args.ann else None
    predictions = (
        read_fashionai_csv(args.pred, allow_decimal=True)
        if args.pred else None)
    listing = truth or predictions
    rows = [
        r for r, c in enumerate(listing.categories)
        if args.category in (None, c)
    ]
    # take the categories in turns, so a short sheet shows all of them
    rank, seen = {}, Counter()
    for row in rows:
        rank[row] = seen[listing.categories[row]]
        seen[listing.categories[row]] += 1
    rows = sorted(rows, key=lambda r: rank[r])[:args.num]
    inputs = [args.ann, args.pred] + [
        osp.join(args.image_root, listing.image_ids[row]) for row in rows
    ]
    outputs, folder = {}, None
    if args.sheet:
        check_output(args.sheet, inputs, [args.image_root])
    else:
        # a.jpg and a.png would share a.png
        drawings = unique_outputs(
            (listing.image_ids[row] for row in rows),
            lambda image_id: osp.normpath(
                osp.join(args.out_dir,
                         osp.splitext(image_id)[0] + '.png')))
        folder = OutputFolder(args.out_dir, inputs, [args.image_root])
        folder.check(drawings)
        row_of = listing.index_of()
        outputs = {row_of[image_id]: out for out, image_id in drawings.items()}
    try:
        images, captions = drawn(args, listing, rows, truth, predictions,
                                 outputs, folder)
    finally:
        if folder:
            folder.close()
    if args.sheet:
        write_png(args.sheet, contact_sheet(images, captions, args.columns))
        print(f'{len(images)} images drawn on {args.sheet}')
    else:
        print(f'{len(images)} images drawn into {args.out_dir}')
    return 0


def drawn(args: argparse.Namespace, listing: FashionAIRecords, rows: List[int],
          truth: Optional[FashionAIRecords],
          predictions: Optional[FashionAIRecords], outputs: Dict[int, str],
          folder: Optional[OutputFolder]) -> Tuple[list, List[str]]:
    """The drawing and caption of each row, each also written to its
    ``outputs`` file (recorded in ``folder``) with ``--out-dir``."""
    predicted_rows = predictions.index_of() if predictions else {}
    images, captions = [], []
    for row in rows:
        image_id = listing.image_ids[row]
        category = listing.categories[row]
        p = predicted_rows.get(image_id)
        image = draw_row(
            read_image(osp.join(args.image_root, image_id)), category,
            None if truth is None else
            (truth.keypoints[row], truth.visibility[row]),
            None if p is None else
            (predictions.keypoints[p], predictions.visibility[p]))
        if folder:
            os.makedirs(osp.dirname(outputs[row]), exist_ok=True)
            write_png(outputs[row], image)
            folder.record(outputs[row])
        images.append(image)
        captions.append(f'{category} {osp.basename(image_id)[:12]}')
    return images, captions


if __name__ == '__main__':
    run_tool(main)
