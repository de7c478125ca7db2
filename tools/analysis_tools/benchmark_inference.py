"""Images per second at inference: PyTorch, onnxruntime float32 and int8.

Batch 1 and 8 in one run, and the onnxruntime predictor's own time around
the network.

Usage:
    python tools/analysis_tools/benchmark_inference.py [--configs CONFIG ...]
        [--size 256] [--batches 1 8] [--seconds 10] [--device cpu]
        [--backends pytorch onnxruntime onnxruntime-int8] [--predictor]
        [--ne CONFIG CHECKPOINT --data DIR]

Protocol and figures: docs/benchmarks.md, "Inference speed on the CPU";
docs/deployment.md, "The predictor's own work" (``--predictor``) and "The
calibration decision, measured" (``--ne``). A benchmark, not a test:
nothing is asserted.
"""
import argparse
import os.path as osp
import tempfile
from typing import List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
import fashionai_dataset  # noqa: F401  (registers the plugin's modules)
from fashionai_core.benchmarking import (add_row, benchmark_parser,
                                         codec_at_size, config_path,
                                         dated_machine, head_at_size,
                                         per_second, print_table)
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.image_check import read_image
from fashionai_core.submission_evaluation import evaluate_submission
from fashionai_dataset.apis import (ExportedNetwork, export_onnx,
                                    load_pose_model)
from fashionai_dataset.apis.export_onnx import export_network
from fashionai_deploy import OnnxPoseModel, predict_csv_onnx
from fashionai_deploy.metadata import CODEC_OUTPUTS
from fashionai_deploy.preprocess import warp_image
from fashionai_deploy.quantize import (CALIBRATION_METHODS, calibration_images,
                                       quantize_int8, quantize_network)

DEFAULT_CONFIGS = [
    'rtmpose_t_blouse', 'rtmpose_s_blouse', 'rtmpose_m_blouse',
    'hrnet_w32_blouse', 'res50_blouse', 'hrnet_w16_all_128_demo'
]


def build(name: str, size: int, device: str) -> torch.nn.Module:
    """The config's model for a ``size`` x ``size`` input, in eval mode."""
    cfg = Config.fromfile(config_path(name))
    cfg.model.backbone.init_cfg = None
    # SimCC heads are built for one input size
    codec = codec_at_size(cfg.model.head.decoder.to_dict(), size)
    cfg.model.head.update(head_at_size(cfg.model.head.to_dict(), codec))
    model = MODELS.build(cfg.model).to(device).eval()
    return model


def images_per_second(model: torch.nn.Module, batch: int, size: int,
                      device: str, seconds: float) -> float:
    inputs = torch.rand(batch, 3, size, size, device=device)

    def forward() -> None:
        model(inputs, None, mode='tensor')
        if device != 'cpu':
            torch.cuda.synchronize()

    with torch.no_grad():
        return per_second(forward, seconds, batch)


def exported_network(model: torch.nn.Module, size: int) -> bytes:
    """The model's network exported as tools/export_onnx.py exports it
    (any batch size), serialized."""
    outputs = CODEC_OUTPUTS[type(model.head.decoder).__name__]
    return export_network(
        ExportedNetwork(model).eval(), torch.rand(2, 3, size, size), outputs,
        None).SerializeToString()


def onnxruntime_session(model: torch.nn.Module, size: int, int8: bool):
    """onnxruntime's CPU session of the model's exported network, or of the
    network quantized to int8 (calibrated on 8 random inputs)."""
    import onnxruntime
    network = exported_network(model, size)
    if int8:
        rng = np.random.default_rng(0)
        batches = [
            rng.standard_normal((1, 3, size, size), dtype=np.float32)
            for _ in range(8)
        ]
        network = quantize_network(network, batches)[0].SerializeToString()
    return onnxruntime.InferenceSession(
        network, providers=['CPUExecutionProvider'])


def exported_files(name: str, folder: str) -> List[str]:
    """The config's untrained model exported as tools/export_onnx.py does,
    float32 and int8 (calibrated on 8 random images)."""
    cfg = Config.fromfile(config_path(name))
    cfg.model.backbone.init_cfg = None
    checkpoint = osp.join(folder, 'model.pth')
    torch.save(
        dict(state_dict=MODELS.build(cfg.model).state_dict()), checkpoint)
    model = load_pose_model(checkpoint, config_path(name), device='cpu')
    float_file = osp.join(folder, f'{name}.onnx')
    export_onnx(model, float_file, source=name)
    images = list(
        np.random.default_rng(0).integers(
            0, 255, (8, 512, 512, 3), dtype=np.uint8))
    int8_file = osp.join(folder, f'{name}_int8.onnx')
    with open(float_file, 'rb') as file:
        quantize_int8(file.read(), int8_file, images, source=name)
    return [float_file, int8_file]


def trained_like_outputs(metadata: dict, count: int,
                         rng: np.random.Generator) -> List[np.ndarray]:
    """Network outputs (count, K, ...) shaped as a trained model's: one
    Gaussian peak (sigma 2 heatmap pixels or bins, at most 1) per keypoint,
    away from the borders; an untrained network's flat, partly negative
    maps send DARK to its whole-map path, which trained models rarely
    need."""
    codec = metadata['codec']
    keypoints = len(metadata['keypoint_names'])
    if codec['type'] in ('UDPHeatmap', 'MSRAHeatmap'):
        width, height = codec['heatmap_size']
        x = rng.uniform(3, width - 4, (count, keypoints, 1, 1))
        y = rng.uniform(3, height - 4, (count, keypoints, 1, 1))
        rows, cols = np.mgrid[:height, :width]
        return [
            np.exp(-((cols - x)**2 + (rows - y)**2) / 8).astype(np.float32)
        ]
    outputs = []
    for side in codec['input_size']:
        bins = int(side * codec['simcc_split_ratio'])
        peak = rng.uniform(8, bins - 9, (count, keypoints, 1))
        outputs.append(
            np.exp(-(np.arange(bins) - peak)**2 / 8).astype(np.float32))
    return outputs


def predictor_ms(path: str, batch: int, seconds: float) -> List[float]:
    """ms per image of the whole predict call, of its network, of the rest
    (the same call with a trained model's outputs given), and of the warp
    in the rest, flip test on, on random 512x512 images."""
    model = OnnxPoseModel(path, flip_test=True)
    rng = np.random.default_rng(0)
    images = list(rng.integers(0, 255, (batch, 512, 512, 3), dtype=np.uint8))
    width, height = model.metadata['input_size']
    inputs = rng.standard_normal((2 * batch, 3, height, width),
                                 dtype=np.float32)

    def timed(call) -> float:
        return 1000 / per_second(call, seconds / 4, batch)

    whole = timed(lambda: model.predict(images))
    network = timed(lambda: model._run(inputs))
    outputs = trained_like_outputs(model.metadata, batch, rng)
    # the mirrored images' outputs: the same points, mirrored, as a model
    # that has learned left and right gives them
    flip = model.metadata['flip_indices']
    outputs = [
        np.concatenate([o, o[:, flip, ..., ::-1] if i == 0 else o[:, flip]])
        for i, o in enumerate(outputs)
    ]
    model._run = lambda _: outputs  # the predictor's own work alone
    rest = timed(lambda: model.predict(images))
    meta = model.metadata
    warp = timed(lambda: [
        warp_image(image, meta['bbox_padding'], meta['input_size'], meta[
            'use_udp']) for image in images
    ])
    return [whole, network, rest, warp]


def onnxruntime_images_per_second(session, batch: int, size: int,
                                  seconds: float) -> float:
    inputs = {'input': np.random.rand(batch, 3, size, size).astype('float32')}
    return per_second(lambda: session.run(None, inputs), seconds, batch)


def main(argv: Optional[List[str]] = None) -> None:
    parser = benchmark_parser(__doc__)
    parser.add_argument('--configs', nargs='+', default=DEFAULT_CONFIGS)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--seconds', type=float, default=10.0)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--backends',
        nargs='*',
        choices=['pytorch', 'onnxruntime', 'onnxruntime-int8'],
        default=['pytorch'])
    parser.add_argument(
        '--ne',
        nargs=2,
        metavar=('CONFIG', 'CHECKPOINT'),
        help='NE of a trained model in float32 and int8 (needs --data)')
    parser.add_argument(
        '--data', help='a synthetic dataset (tools/make_synthetic.py)')
    parser.add_argument(
        '--predictor',
        action='store_true',
        help='also time OnnxPoseModel.predict around the network')
    args = parser.parse_args(argv)
    if bool(args.ne) != bool(args.data):
        parser.error('--ne and --data go together')
    register_all_modules()
    if args.ne:
        ne_table(*args.ne, args.data)
        return
    if args.backends:
        network_table(args)
    if args.predictor:
        predictor_table(args)


def network_table(args: argparse.Namespace) -> None:
    """Print the networks' images per second, per config and backend."""
    import onnxruntime
    rows = []
    for name in args.configs:
        model = build(name, args.size, args.device)
        params = sum(p.numel() for p in model.parameters()) / 1e6
        for backend in args.backends:
            if backend == 'pytorch':
                speeds = [
                    images_per_second(model, batch, args.size, args.device,
                                      args.seconds) for batch in args.batches
                ]
            else:
                session = onnxruntime_session(model.cpu(), args.size,
                                              backend == 'onnxruntime-int8')
                speeds = [
                    onnxruntime_images_per_second(session, batch, args.size,
                                                  args.seconds)
                    for batch in args.batches
                ]
                model.to(args.device)
            add_row(rows, [name, backend, f'{params:.1f}'] +
                    [f'{s:.1f} ({1000 / s:.1f} ms)' for s in speeds])
    print_table(
        f'\nImages per second (ms per image), {args.size}x{args.size}, '
        f'network forward only, no flip test; {dated_machine()}, torch '
        f'{torch.__version__} ({torch.get_num_threads()} threads), '
        f'onnxruntime {onnxruntime.__version__}:', rows,
        ['config', 'backend', 'M params'] +
        [f'batch {b}' for b in args.batches])


def ne_table(config: str, checkpoint: str, data: str) -> None:
    """Print NE and point differences of float32 and int8 files."""
    answers_csv = osp.join(data, 'test', 'Annotations', 'test_answers.csv')
    answers = read_fashionai_csv(answers_csv)
    model = load_pose_model(checkpoint, config, device='cpu')
    category = model.cfg.test_dataloader.dataset.category
    # read once for the nine int8 files
    images = [
        read_image(path) for path in calibration_images(
            osp.join(data, 'train', 'Annotations', 'train.csv'), category, 64)
    ]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        float_file = osp.join(folder, 'float.onnx')
        export_onnx(model, float_file, source=config)
        with open(float_file, 'rb') as file:
            blob = file.read()

        def submission(path: str):
            return predict_csv_onnx({category: [OnnxPoseModel(path)]},
                                    answers_csv, osp.join(data, 'test'))

        expected = submission(float_file)
        settings = [('float32', '', 0)] + [
            ('int8', method, layers) for method in sorted(CALIBRATION_METHODS)
            for layers in (0, 1, 2)
        ]
        for precision, method, layers in settings:
            path = float_file
            if precision == 'int8':
                path = osp.join(folder, f'{method}_{layers}.onnx')
                quantize_int8(blob, path, images, method, layers, config)
            predicted = submission(path)
            distances = np.linalg.norm(
                predicted.keypoints - expected.keypoints, axis=-1)
            distances = distances[np.isfinite(distances)]
            ne = evaluate_submission(answers, predicted).summary['NE']
            add_row(rows, [
                precision, method, layers if method else '', f'{ne:.2f}',
                f'{distances.mean():.2f}',
                f'{np.percentile(distances, 99):.1f}'
            ])
    print_table(
        f'\nNE on {answers_csv} ({len(answers)} images, flip test), '
        f'{osp.basename(config)}; {dated_machine()}:', rows, [
            'precision', 'calibration', 'float layers', 'NE %',
            'mean px from float32', '99th percentile px'
        ])


def predictor_table(args: argparse.Namespace) -> None:
    """Print the predictor's time around the network, per config."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.configs:
            files = exported_files(name, folder)
            size = OnnxPoseModel(files[0]).metadata['input_size']
            for precision, path in zip(('float32', 'int8'), files):
                for batch in args.batches:
                    add_row(
                        rows,
                        [name, f'{size[0]}x{size[1]}', precision, batch] + [
                            f'{ms:.2f}'
                            for ms in predictor_ms(path, batch, args.seconds)
                        ])
    print_table(
        '\nOnnxPoseModel.predict, ms per image, flip test on, random '
        f'512x512 images; {dated_machine()}:', rows, [
            'config', 'input', 'precision', 'batch', 'whole', 'network',
            'the rest', 'of it the warp'
        ])


if __name__ == '__main__':
    run_tool(main)
