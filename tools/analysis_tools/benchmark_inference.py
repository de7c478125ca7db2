"""Network images per second at inference, batch 1 and 8, in one run:
PyTorch, and onnxruntime on the exported network.

Usage:
    python tools/analysis_tools/benchmark_inference.py [--configs CONFIG ...]
        [--size 256] [--batches 1 8] [--seconds 10] [--device cpu]
        [--backends pytorch onnxruntime]

Each config's model is built (no pretrained weights: speed does not depend
on them), put in eval mode and timed on random input of ``--size`` pixels
square: ``model(inputs, None, mode='tensor')``, the network's forward
without flip test (the configs' flip test doubles it) and without data
loading or decoding. Each setting runs three warm-up batches, then batches for
about ``--seconds``. Torch uses all the cores it sees. Defaults: RTMPose-t,
-s and -m, HRNet-W32, SimpleBaseline-R50 and the demo's small HRNet, all at
256 pixels. ``onnxruntime`` times the same network exported as
``tools/export_onnx.py`` exports it (any batch size; CPU execution
provider, its default threads: one per core). A benchmark, not a test:
nothing is asserted.
"""
import argparse
import datetime
import os.path as osp
import time

import numpy as np
import torch
from benchmark_accuracy import (codec_at_size, config_path, head_at_size,
                                machine)
from mmengine.config import Config
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules
from tabulate import tabulate

import fashionai_dataset  # noqa: F401  (registers, closes the stack's gaps)
from fashionai_core.cli import run_tool
from fashionai_dataset.apis import ExportedNetwork
from fashionai_dataset.apis.export_onnx import export_network
from fashionai_deploy.metadata import CODEC_OUTPUTS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'fashionai')
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
    with torch.no_grad():
        for _ in range(3):  # warm-up: oneDNN picks its kernels
            model(inputs, None, mode='tensor')
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            model(inputs, None, mode='tensor')
            if device != 'cpu':
                torch.cuda.synchronize()
            done += batch
    return done / (time.perf_counter() - start)


def onnxruntime_session(model: torch.nn.Module, size: int):
    """onnxruntime's CPU session of the model's exported network."""
    import onnxruntime
    outputs = CODEC_OUTPUTS[type(model.head.decoder).__name__]
    proto = export_network(
        ExportedNetwork(model).eval(), torch.rand(2, 3, size, size), outputs,
        None)
    return onnxruntime.InferenceSession(
        proto.SerializeToString(), providers=['CPUExecutionProvider'])


def onnxruntime_images_per_second(session, batch: int, size: int,
                                  seconds: float) -> float:
    inputs = {'input': np.random.rand(batch, 3, size, size).astype('float32')}
    for _ in range(3):
        session.run(None, inputs)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        session.run(None, inputs)
        done += batch
    return done / (time.perf_counter() - start)


def onnxruntime_version() -> str:
    import onnxruntime
    return onnxruntime.__version__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+', default=DEFAULT_CONFIGS)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--seconds', type=float, default=10.0)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--backends',
        nargs='+',
        choices=['pytorch', 'onnxruntime'],
        default=['pytorch'])
    args = parser.parse_args()
    register_all_modules()
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
                session = onnxruntime_session(model.cpu(), args.size)
                speeds = [
                    onnxruntime_images_per_second(session, batch, args.size,
                                                  args.seconds)
                    for batch in args.batches
                ]
                model.to(args.device)
            rows.append([name, backend, f'{params:.1f}'] +
                        [f'{s:.1f} ({1000 / s:.1f} ms)' for s in speeds])
            print('  ' + '  '.join(rows[-1]), flush=True)
    print(f'\nImages per second (ms per image), {args.size}x{args.size}, '
          f'network forward only, no flip test; {datetime.date.today()}, '
          f'{machine()}, torch {torch.__version__} '
          f'({torch.get_num_threads()} threads), onnxruntime '
          f'{onnxruntime_version()}:')
    print(
        tabulate(
            rows,
            headers=['config', 'backend', 'M params'] +
            [f'batch {b}' for b in args.batches],
            tablefmt='github'))


if __name__ == '__main__':
    run_tool(main)
