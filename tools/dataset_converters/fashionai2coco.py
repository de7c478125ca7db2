"""Convert a FashionAI annotation CSV to COCO keypoint JSON.

Usage:
    python tools/dataset_converters/fashionai2coco.py ANN_CSV IMAGE_ROOT \
        OUT_JSON

One COCO category per garment (its keypoint names in CSV order, its
skeleton), one image (``file_name`` the ``image_id``, ``width`` and
``height`` read from the image's header) and one annotation per row;
visibility 2 / 1 / 0 for ``v`` 1 / 0 / -1. The JSON loads in pycocotools and
MMPose's ``CocoDataset``; ``coco2fashionai.py`` turns it back into the same
CSV. Written atomically.
"""
import argparse
import json
import os.path as osp
from typing import List, Optional

from fashionai_core.atomic import atomic_write
from fashionai_core.cli import run_tool
from fashionai_core.coco import to_coco
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.image_check import image_size
from fashionai_core.outputs import check_output, listed_images


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('annotations', help='FashionAI annotation CSV')
    parser.add_argument('image_root', help='folder image_id is relative to')
    parser.add_argument('out_json', help='COCO keypoint JSON to write')
    args = parser.parse_args(argv)
    check_output(args.out_json, [args.annotations] +
                 listed_images(args.annotations, args.image_root),
                 [args.image_root])
    records = read_fashionai_csv(args.annotations, require_keypoints=True)
    sizes = [
        image_size(osp.join(args.image_root, image_id))
        for image_id in records.image_ids
    ]
    document = to_coco(records, sizes)
    with atomic_write(args.out_json) as file:
        json.dump(document, file)
    print(f'{len(document["annotations"])} annotations of '
          f'{len(set(records.categories))} categories written to '
          f'{args.out_json}')
    return 0


if __name__ == '__main__':
    run_tool(main)
