"""Merge a stage-1 and a stage-2 checkpoint into one cascade checkpoint.

Usage:
    python projects/cascade_refine/tools/merge_stage_checkpoints.py \
        STAGE1.pth STAGE2.pth OUT.pth

The output holds ``stage1.*`` and ``stage2.*`` weights and stage 1's
dataset metainfo, loads with ``torch.load(weights_only=True)``, and is
written atomically. Then:

    mim test mmpose projects/cascade_refine/configs/cascade_<...>.py \
        --checkpoint OUT.pth
    python tools/predict.py TEST_CSV IMAGE_ROOT SUBMISSION.csv \
        --model all=OUT.pth --config all=<the same cascade config>
"""
import argparse
from typing import List, Optional

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
from fashionai_core.cli import run_tool
from fashionai_dataset.apis import merge_checkpoints


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('stage1')
    parser.add_argument('stage2')
    parser.add_argument('out')
    args = parser.parse_args(argv)
    count = merge_checkpoints(
        dict(stage1=args.stage1, stage2=args.stage2), args.out)
    print(f'{count} tensors written to {args.out}')
    return 0


if __name__ == '__main__':
    run_tool(main)
