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

import torch
from mmengine.runner.checkpoint import _load_checkpoint

from fashionai_core.atomic import atomic_write
from fashionai_dataset.weights_only import decode, encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('stage1')
    parser.add_argument('stage2')
    parser.add_argument('out')
    args = parser.parse_args()
    state_dict, meta = {}, {}
    for prefix, path in (('stage1', args.stage1), ('stage2', args.stage2)):
        checkpoint = decode(_load_checkpoint(path, map_location='cpu'))
        weights = checkpoint.get('state_dict', checkpoint)
        state_dict.update({
            f'{prefix}.{key}': value
            for key, value in weights.items()
        })
        if prefix == 'stage1':
            meta = dict(
                dataset_meta=checkpoint.get('meta', {}).get('dataset_meta'),
                stages=dict(stage1=args.stage1, stage2=args.stage2))
    with atomic_write(args.out, 'wb') as file:
        torch.save(dict(state_dict=state_dict, meta=encode(meta)), file)
    print(f'{len(state_dict)} tensors written to {args.out}')


if __name__ == '__main__':
    main()
