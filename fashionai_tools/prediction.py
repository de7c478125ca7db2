"""The options that choose pose models for a test list, and the prediction
they make: what ``tools/predict.py`` and ``tools/pseudo_label.py`` share.

Torch-free on import: the PyTorch backend (MMPose, through
:mod:`fashionai_dataset`) and the ONNX one (:mod:`fashionai_deploy`) are
imported when a prediction asks for them, so ``--backend onnxruntime`` runs
without torch.
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional, Tuple

from fashionai_core.csv_io import FashionAIRecords
from fashionai_core.detections import best_boxes, count_without_box
from fashionai_core.image_check import image_size
from fashionai_core.keypoints import check_category
from fashionai_core.outputs import check_output, listed_images

#: Unreadable images a summary names one per line; the rest are counted.
MAX_LISTED = 20


def key_values(pairs: List[str], what: str) -> Dict[str, List[str]]:
    """``CATEGORY=VALUE`` options -> category -> values, in order."""
    result: Dict[str, List[str]] = {}
    for pair in pairs:
        category, sep, value = pair.partition('=')
        if not sep or not value:
            raise SystemExit(f'error: --{what} takes CATEGORY={what.upper()}'
                             f', got {pair!r}')
        try:
            result.setdefault(check_category(category), []).append(value)
        except ValueError as error:
            raise SystemExit(f'error: --{what} {pair}: {error}')
    return result


def category_weights(pairs: List[str]) -> Dict[str, List[float]]:
    """``--weights CATEGORY=W1,W2`` -> category -> weights."""
    result = {}
    for category, values in key_values(pairs, 'weights').items():
        try:
            result[category] = [float(w) for w in values[-1].split(',')]
        except ValueError:
            raise SystemExit(f'error: --weights {category}={values[-1]}: '
                             'expected numbers separated by commas')
    return result


def predict_pytorch(args: argparse.Namespace, checkpoints: Dict[str,
                                                                List[str]],
                    configs: Dict[str, List[str]],
                    weights: Dict[str, List[float]]) -> FashionAIRecords:
    """The submission's records from checkpoints, through MMPose."""
    import fashionai_patches  # noqa: F401  (the stack's gaps first)
    from fashionai_dataset.apis import load_pose_model, predict_csv
    from fashionai_dataset.apis.predict import (bbox_score_thr_of,
                                                default_device)

    device = default_device(args.device)
    models = {
        category: [
            load_pose_model(
                checkpoint,
                configs[category][index] if category in configs else None,
                device=device,
                flip_test=not args.no_flip,
                tta=getattr(args, 'tta', False))
            for index, checkpoint in enumerate(paths)
        ]
        for category, paths in checkpoints.items()
    }
    if args.bbox_score_thr is None:  # for the summary: what the models use
        first = next(iter(models.values()))[0]
        args.bbox_score_thr = bbox_score_thr_of(first.cfg)
    return predict_csv(models, args.test_csv, args.image_root, args.batch_size,
                       args.num_workers, weights, args.bbox_file,
                       args.bbox_score_thr)


def predict_onnxruntime(args: argparse.Namespace, checkpoints: Dict[str,
                                                                    List[str]],
                        configs: Dict[str, List[str]],
                        weights: Dict[str, List[float]]) -> FashionAIRecords:
    """The submission's records from exported files, without torch."""
    from fashionai_deploy import OnnxPoseModel, predict_csv_onnx

    models = {
        category: [
            OnnxPoseModel(path, flip_test=False if args.no_flip else None)
            for path in paths
        ]
        for category, paths in checkpoints.items()
    }
    if args.bbox_score_thr is None:
        args.bbox_score_thr = 0.0
    return predict_csv_onnx(models, args.test_csv, args.image_root,
                            args.batch_size, weights, args.bbox_file,
                            args.bbox_score_thr)


def detections_path(out_csv: str) -> str:
    """Where ``--det-config`` detections go: beside the submission, part
    of the output the user named."""
    return osp.splitext(out_csv)[0] + '.detections.json'


def run_detector(args: argparse.Namespace) -> str:
    """Detect garments in the test images; return the detection file."""
    import fashionai_patches  # noqa: F401  (the stack's gaps first)
    from fashionai_dataset.apis.detect import write_csv_detections
    path = detections_path(args.out_csv)
    count = write_csv_detections(args.det_config, args.det_checkpoint,
                                 args.test_csv, args.image_root, path,
                                 args.device, args.batch_size,
                                 args.num_workers)
    print(f'{count} detections written to {path}')
    return path


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose the models and how they predict (shared with
    ``tools/pseudo_label.py``)."""
    parser.add_argument(
        '--model',
        action='append',
        required=True,
        metavar='CATEGORY=CKPT',
        help='checkpoint (or .onnx file) for a category, or all=CKPT; '
        'repeat per category, or for one category to average several '
        'models')
    parser.add_argument(
        '--weights',
        action='append',
        default=[],
        metavar='CATEGORY=W1,W2',
        help='weights of a category\'s models (default: equal)')
    parser.add_argument(
        '--config',
        action='append',
        default=[],
        metavar='CATEGORY=CONFIG',
        help='config for a category\'s checkpoints, one per --model of it, '
        'in order (default: from each checkpoint)')
    parser.add_argument(
        '--no-flip',
        action='store_true',
        help='no flip test-time '
        'augmentation')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument(
        '--device',
        help='checkpoints and detector: cpu, cuda:0, ... (default: cuda:0 '
        'if present)')
    parser.add_argument(
        '--backend',
        choices=['pytorch', 'onnxruntime'],
        default='pytorch',
        help='pytorch: checkpoints; onnxruntime: exported .onnx files')
    add_detector_arguments(parser)


def add_detector_arguments(parser: argparse.ArgumentParser,
                           bbox_file: bool = True) -> None:
    """A garment detector run first (``--det-config``, ``--det-checkpoint``),
    detections made before (``--bbox-file``, where ``bbox_file``) and the
    lowest score trusted (shared with ``tools/infer.py``)."""
    parser.add_argument(
        '--det-config',
        help='mmdet garment detector config: predict in its boxes')
    parser.add_argument('--det-checkpoint', help='the detector\'s weights')
    if bbox_file:
        parser.add_argument(
            '--bbox-file',
            help='detections made before (tools/detect.py) to predict in')
    parser.add_argument(
        '--bbox-score-thr',
        type=float,
        help='lowest detection score used (default: each checkpoint\'s '
        'config\'s test bbox_score_thr; 0 for ONNX files)')


def check_detector_options(parser: argparse.ArgumentParser,
                           args: argparse.Namespace) -> None:
    """Check the options of :func:`add_detector_arguments`."""
    if bool(args.det_config) != bool(args.det_checkpoint):
        parser.error('--det-config and --det-checkpoint go together')
    if args.det_config and getattr(args, 'bbox_file', None):
        parser.error('--bbox-file gives detections made before; with '
                     '--det-config the detector makes them: give one')


def model_options(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> Tuple[Dict[str, List[str]], Dict[str, List[str]], Dict[str, List[float]]]:
    """Check the options of :func:`add_model_arguments`; return the
    checkpoints, configs and weights per category."""
    check_detector_options(parser, args)
    checkpoints = key_values(args.model, 'model')
    configs = key_values(args.config, 'config')
    weights = category_weights(args.weights)
    for category, paths in configs.items():
        if len(paths) != len(checkpoints.get(category, [])):
            parser.error(f'{len(paths)} --config for {category}, '
                         f'{len(checkpoints.get(category, []))} --model: '
                         'give one config per checkpoint, or none')
    if args.backend == 'onnxruntime' and configs:
        parser.error('--config applies to checkpoints, not ONNX files (their '
                     'settings are in the file)')
    return checkpoints, configs, weights


def check_outputs(args: argparse.Namespace, image_list: str,
                  outputs: List[str], checkpoints: Dict[str, List[str]],
                  configs: Dict[str, List[str]]) -> None:
    """Check ``outputs`` and the detections of ``--det-config`` (beside
    ``args.out_csv``) with ``check_output``: none may be ``image_list``,
    one of its images under ``args.image_root`` or a file the model options
    name."""
    inputs = [image_list] + [
        path for paths in list(checkpoints.values()) + list(configs.values())
        for path in paths
    ] + [args.det_config, args.det_checkpoint, args.bbox_file] + listed_images(
        image_list, args.image_root)
    if args.det_config:
        outputs = outputs + [detections_path(args.out_csv)]
    for output in outputs:
        check_output(output, inputs, [args.image_root])


def print_listed(lines: List[str], indent: str = '', file=None) -> None:
    """The first :data:`MAX_LISTED` of ``lines``, then how many more."""
    for line in lines[:MAX_LISTED]:
        print(indent + line, file=file)
    if len(lines) > MAX_LISTED:
        print(f'{indent}... and {len(lines) - MAX_LISTED} more', file=file)


def predict_records(args: argparse.Namespace, checkpoints: Dict[str,
                                                                List[str]],
                    configs: Dict[str, List[str]], weights: Dict[str,
                                                                 List[float]]
                    ) -> Tuple[FashionAIRecords, Optional[int]]:
    """Predict ``args.test_csv`` with the chosen backend (the detector
    first, if asked); the records and how many images had no box (``None``
    without detections).

    Raises:
        DetectionFileError, FashionAIImageError, FileNotFoundError,
        ValueError: Bad input, with the message to print.
    """
    predict = predict_onnxruntime if args.backend == 'onnxruntime' else (
        predict_pytorch)
    if args.det_config:
        args.bbox_file = run_detector(args)
    records = predict(args, checkpoints, configs, weights)
    without_box = args.bbox_file and count_without_box(
        best_boxes(args.bbox_file),
        ((image_id, category, *image_size(osp.join(args.image_root, image_id)))
         for image_id, category in zip(records.image_ids, records.categories)),
        args.bbox_score_thr)
    return records, (without_box if args.bbox_file else None)


def print_summary(args: argparse.Namespace, records: FashionAIRecords,
                  checkpoints: Dict[str, List[str]],
                  without_box: Optional[int]) -> None:
    """Models per category, and the images predicted without a box."""
    print('models per category: ' +
          ', '.join(f'{category} {len(paths)}'
                    for category, paths in checkpoints.items()))
    if args.bbox_file:
        print(f'boxes from {args.bbox_file}: {without_box} of {len(records)} '
              'images had no box of their category scoring '
              f'{args.bbox_score_thr:g} or more and were predicted whole')
