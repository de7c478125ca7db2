"""Predict garment keypoints on plain images: a JSON and a drawing each.

Usage:
    python tools/infer.py IMAGE|FOLDER|GLOB --category blouse \
        --model CHECKPOINT.pth|MODEL.onnx [--out-dir work_dirs/infer]
        [--batch-size 8] [--config CONFIG] [--no-flip] [--device cpu]
        [--det-config DET_CONFIG --det-checkpoint DET_CKPT]

Inputs, outputs and the garment detector: docs/deployment.md, "Plain
images".
"""
import argparse
from typing import Iterator, List, Optional, Tuple

from fashionai_core.cli import run_tool
from fashionai_core.detections import (Detections, best_of_entries,
                                       count_without_box)
from fashionai_core.image_check import (FashionAIImageError, image_size,
                                        read_image)
from fashionai_core.keypoints import CATEGORIES
from fashionai_deploy.infer import infer_images, list_images, output_folder
from fashionai_tools.prediction import (add_detector_arguments,
                                        check_detector_options)


def load_model(args: argparse.Namespace):
    """An :class:`OnnxPoseModel` for ``.onnx``, else a checkpoint model."""
    flip = False if args.no_flip else None
    if args.model.endswith('.onnx'):
        from fashionai_deploy import OnnxPoseModel
        return OnnxPoseModel(args.model, flip_test=flip)
    import fashionai_patches  # noqa: F401  (the stack's gaps first)
    from fashionai_dataset.apis.image_inference import CheckpointPoseModel
    from fashionai_dataset.apis.predict import default_device
    device = default_device(args.device)
    return CheckpointPoseModel(
        args.model, args.config, device=device, flip_test=not args.no_flip)


def readable_sizes(paths: List[str]) -> Iterator[Tuple[str, Tuple[int, int]]]:
    """``(path, (width, height))`` of the images whose header reads."""
    for path in paths:
        try:
            yield path, image_size(path)
        except FashionAIImageError:
            pass


def detect(args: argparse.Namespace, paths: List[str]) -> Detections:
    """``(path, category)`` -> best box, for the images that can be read
    (the others are skipped and listed by ``infer_images``)."""
    import fashionai_patches  # noqa: F401  (the stack's gaps first)
    from fashionai_dataset.apis.detect import detect_images, load_detector
    from fashionai_dataset.apis.predict import default_device
    readable = []
    for path in paths:
        try:
            read_image(path)
            readable.append(path)
        except FashionAIImageError:
            pass
    detector = load_detector(args.det_config, args.det_checkpoint,
                             default_device(args.device))
    entries = detect_images(detector, readable, batch_size=args.batch_size)
    return best_of_entries(entries, f'the detections of {args.det_checkpoint}')


def main(argv: Optional[List[str]] = None) -> int:
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
    parser.add_argument(
        '--device', help='checkpoints and detector: cpu, cuda:0, ...')
    add_detector_arguments(parser, bbox_file=False)
    args = parser.parse_args(argv)
    if args.config and args.model.endswith('.onnx'):
        parser.error('--config applies to checkpoints, not ONNX files')
    check_detector_options(parser, args)
    paths = list_images(args.images)
    outputs, paths = output_folder(
        paths, args.out_dir,
        [args.model, args.config, args.det_config, args.det_checkpoint])
    model = load_model(args)
    detections = detect(args, paths) if args.det_config else None
    if args.bbox_score_thr is None:
        args.bbox_score_thr = getattr(model, 'bbox_score_thr', 0.0)
    written, skipped = infer_images(model, paths, args.category, outputs,
                                    args.batch_size, detections,
                                    args.bbox_score_thr)
    print(f'{written} of {len(paths)} images: JSON and drawing in '
          f'{args.out_dir}')
    if detections is not None:
        whole = count_without_box(detections,
                                  ((path, args.category, *size)
                                   for path, size in readable_sizes(paths)),
                                  args.bbox_score_thr)
        print(f'{whole} of {len(paths)} images had no {args.category} '
              f'detection scoring {args.bbox_score_thr:g} or more and were '
              'predicted whole')
    if skipped:
        print(f'{len(skipped)} skipped (cannot be read):')
        for line in skipped:
            print(f'  {line}')
    return 0


if __name__ == '__main__':
    run_tool(main)
