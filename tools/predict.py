"""Write a FashionAI submission CSV for a test CSV.

Usage:
    python tools/predict.py TEST_CSV IMAGE_ROOT OUT_CSV \
        --model blouse=work_dirs/hrnet_w32_blouse/best.pth \
        --model skirt=work_dirs/hrnet_w32_skirt/best.pth ... \
        [--config blouse=configs/fashionai/hrnet_w32_blouse.py] \
        [--no-flip] [--batch-size 32] [--device cuda:0]

One checkpoint per category, or ``--model all=CKPT`` for one model of all
five. The config defaults to the one the checkpoint was trained with. The
submission has the test file's rows in its order and is written atomically.
"""
import argparse
import sys
from typing import Dict, List

import torch

from fashionai_core.csv_io import write_submission
from fashionai_core.keypoints import check_category
from fashionai_dataset.apis import load_pose_model, predict_csv
from fashionai_dataset.weights_only import UnsafeCheckpointError


def key_values(pairs: List[str], what: str) -> Dict[str, str]:
    result = {}
    for pair in pairs:
        category, sep, value = pair.partition('=')
        if not sep or not value:
            raise SystemExit(f'error: --{what} takes CATEGORY={what.upper()}'
                             f', got {pair!r}')
        try:
            result[check_category(category)] = value
        except ValueError as error:
            raise SystemExit(f'error: --{what} {pair}: {error}')
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('test_csv', help='image_id,image_category list')
    parser.add_argument('image_root', help='folder image_id is relative to')
    parser.add_argument('out_csv', help='submission to write')
    parser.add_argument(
        '--model',
        action='append',
        required=True,
        metavar='CATEGORY=CKPT',
        help='checkpoint for a category, or all=CKPT; repeat per category')
    parser.add_argument(
        '--config',
        action='append',
        default=[],
        metavar='CATEGORY=CONFIG',
        help='config for a category (default: from its checkpoint)')
    parser.add_argument(
        '--no-flip',
        action='store_true',
        help='no flip test-time '
        'augmentation')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument(
        '--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args()

    checkpoints = key_values(args.model, 'model')
    configs = key_values(args.config, 'config')
    try:
        models = {
            category:
            load_pose_model(
                checkpoint,
                configs.get(category),
                device=args.device,
                flip_test=not args.no_flip)
            for category, checkpoint in checkpoints.items()
        }
    except (UnsafeCheckpointError, FileNotFoundError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    try:
        records = predict_csv(models, args.test_csv, args.image_root,
                              args.batch_size, args.num_workers)
    except ValueError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    write_submission(args.out_csv, records.image_ids, records.categories,
                     records.keypoints)
    print(f'{len(records)} predictions written to {args.out_csv}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
