"""Predict garment keypoints on plain images: a JSON and a drawing each.

Usage:
    python tools/infer.py IMAGE|FOLDER|GLOB --category blouse \
        --model CHECKPOINT.pth|MODEL.onnx [--out-dir work_dirs/infer]
        [--batch-size 8] [--config CONFIG] [--no-flip] [--device cpu]

Each image is taken to show one garment of ``--category``, filling most of
the picture (the whole image is the box, as in the competition data). For
each image, ``<name>.json`` holds the category's keypoint names with x, y
(original pixels) and score, and ``<name>.jpg`` draws them with the
skeleton; the files keep the images' subfolders. An ``.onnx`` file (from
``tools/export_onnx.py``) runs on onnxruntime without torch; a checkpoint
runs through MMPose. Images that cannot be read are skipped and listed at
the end.
"""
import argparse
import sys

from fashionai_core.keypoints import CATEGORIES
from fashionai_deploy.infer import infer_images, list_images
from fashionai_deploy.metadata import MetadataError


def load_model(args: argparse.Namespace):
    """An :class:`OnnxPoseModel` for ``.onnx``, else a checkpoint model."""
    flip = False if args.no_flip else None
    if args.model.endswith('.onnx'):
        from fashionai_deploy import OnnxPoseModel
        return OnnxPoseModel(args.model, flip_test=flip)
    import torch

    from fashionai_dataset.apis.image_inference import CheckpointPoseModel
    from fashionai_dataset.weights_only import UnsafeCheckpointError
    device = args.device or ('cuda:0' if torch.cuda.is_available() else 'cpu')
    try:
        return CheckpointPoseModel(
            args.model, args.config, device=device, flip_test=not args.no_flip)
    except UnsafeCheckpointError as error:
        raise ValueError(str(error)) from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('images', help='an image, a folder or a glob')
    parser.add_argument('--category', required=True, choices=CATEGORIES)
    parser.add_argument(
        '--model', required=True, help='a checkpoint or an .onnx file')
    parser.add_argument(
        '--config', help='config of a checkpoint (default: its own)')
    parser.add_argument('--out-dir', default='work_dirs/infer')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--no-flip', action='store_true', help='no flip test')
    parser.add_argument('--device', help='checkpoints only: cpu, cuda:0, ...')
    args = parser.parse_args()
    if args.config and args.model.endswith('.onnx'):
        parser.error('--config applies to checkpoints, not ONNX files')
    try:
        paths = list_images(args.images)
        model = load_model(args)
        written, skipped = infer_images(model, paths, args.category,
                                        args.out_dir, args.batch_size)
    except (FileNotFoundError, MetadataError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    print(f'{written} of {len(paths)} images: JSON and drawing in '
          f'{args.out_dir}')
    if skipped:
        print(f'{len(skipped)} skipped (cannot be read):')
        for line in skipped:
            print(f'  {line}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
