"""Convert COCO keypoint JSON (CVAT, Label Studio, MMPose) to a FashionAI
annotation CSV.

Usage:
    python tools/dataset_converters/coco2fashionai.py COCO_JSON OUT_CSV \
        [--map TOOL_NAME=FASHIONAI_NAME ...]

Points are matched **by name**, whatever order the tool listed them in;
categories by name too. ``--map`` renames a tool's keypoint or category
names first (``--map left_armpit=armpit_left --map shirt=blouse``). Each
image holds one garment (one annotation); ``image_id`` is the image's
``file_name``; coordinates round to whole pixels. Unknown names, points
outside their image and images listed or annotated twice stop the run
with the entry named; the CSV is written atomically.
"""
import argparse
import json
from typing import List, Optional

from fashionai_core.cli import run_tool
from fashionai_core.coco import from_coco
from fashionai_core.csv_io import write_annotations
from fashionai_core.outputs import check_output


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('coco_json', help='COCO keypoint JSON')
    parser.add_argument('out_csv', help='FashionAI annotation CSV to write')
    parser.add_argument(
        '--map',
        action='append',
        default=[],
        metavar='TOOL_NAME=FASHIONAI_NAME',
        help='rename a keypoint or category; repeat')
    args = parser.parse_args(argv)
    name_map = {}
    for pair in args.map:
        tool_name, _, fashionai_name = pair.partition('=')
        if not tool_name or not fashionai_name:
            parser.error(f'--map {pair}: expected TOOL_NAME=FASHIONAI_NAME')
        name_map[tool_name] = fashionai_name
    check_output(args.out_csv, [args.coco_json])
    with open(args.coco_json, encoding='utf-8') as file:
        try:
            document = json.load(file)
        except (ValueError, RecursionError) as error:
            raise ValueError(f'{args.coco_json}: not JSON '
                             f'({type(error).__name__}: {error})'[:300])
    image_ids, categories, keypoints, visibility = from_coco(
        document, args.coco_json, name_map)
    write_annotations(args.out_csv, image_ids, categories, keypoints,
                      visibility)
    print(f'{len(image_ids)} rows written to {args.out_csv}')
    return 0


if __name__ == '__main__':
    run_tool(main)
