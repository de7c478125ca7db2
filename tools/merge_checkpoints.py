"""Merge the checkpoints of an ensemble's members into one.

Usage:
    python tools/merge_checkpoints.py A.pth B.pth [...] -o OUT.pth

The output holds ``members.0.*``, ``members.1.*``, ... (the order given)
and the first checkpoint's dataset metainfo, loads with
``torch.load(weights_only=True)``, and is written atomically. A config
whose model is ``PoseEnsemble`` with the same members in the same order
then tests it:

    mim test mmpose CONFIG --checkpoint OUT.pth
"""
import argparse
from typing import List, Optional

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
from fashionai_core.cli import run_tool
from fashionai_dataset.apis import merge_checkpoints


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoints', nargs='+')
    parser.add_argument('-o', '--out', required=True)
    args = parser.parse_args(argv)
    count = merge_checkpoints(
        {
            f'members.{i}': path
            for i, path in enumerate(args.checkpoints)
        }, args.out)
    print(f'{count} tensors of {len(args.checkpoints)} members written to '
          f'{args.out}')
    return 0


if __name__ == '__main__':
    run_tool(main)
