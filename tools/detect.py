"""Detect garments with an mmdet detector; write a detection file.

Usage:
    python tools/detect.py DET_CONFIG DET_CHECKPOINT CSV IMAGE_ROOT OUT_JSON \
        [--batch-size 8] [--num-workers 2] [--device cpu]

Every image the FashionAI CSV lists (annotation file or test list) is
detected; ``OUT_JSON`` keeps each image's best box of every category found,
in the format ``FashionAIDataset(bbox_file=...)`` and ``tools/predict.py
--bbox-file`` read (``docs/data_format.md``). The file is written
atomically.
"""
import argparse
from typing import List, Optional

from fashionai_core.cli import run_tool
from fashionai_core.outputs import check_output, listed_images


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('det_config', help='mmdet config of the detector')
    parser.add_argument('det_checkpoint', help='its trained checkpoint')
    parser.add_argument('csv', help='FashionAI CSV listing the images')
    parser.add_argument('image_root', help='folder image_id is relative to')
    parser.add_argument('out_json', help='detection file to write')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument(
        '--device', help='cpu, cuda:0, ... (default: cuda:0 '
        'if present)')
    args = parser.parse_args(argv)

    import fashionai_patches  # noqa: F401  (the stack's gaps first)
    from fashionai_dataset.apis.detect import write_csv_detections
    check_output(args.out_json,
                 [args.det_config, args.det_checkpoint, args.csv] +
                 listed_images(args.csv, args.image_root), [args.image_root])
    count = write_csv_detections(args.det_config, args.det_checkpoint,
                                 args.csv, args.image_root, args.out_json,
                                 args.device, args.batch_size,
                                 args.num_workers)
    print(f'{count} detections written to {args.out_json}')
    return 0


if __name__ == '__main__':
    run_tool(main)
