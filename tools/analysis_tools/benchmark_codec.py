"""The error a perfect network would still have: codec round trips.

Usage:
    python tools/analysis_tools/benchmark_codec.py [ANN_CSV] [--rows N]

Each row of ANN_CSV (default: 1,200 synthetic rows, 240 per category, drawn
from the shape model fitted to real annotations; images taken as 512x512 as
most real ones are) goes through the real MMPose steps of a
top-down config: whole-image box -> GetBBoxCenterScale -> TopdownAffine
(warp to the input) -> the codec's encode (target heatmap, 1-D SimCC
labels, or normalized coordinates for regression) -> decode -> back to
original pixels as the pose estimator does. The NE of the result against
the annotation is printed per codec and input size. A benchmark, not a
test: nothing is asserted.
"""
from typing import Dict, List, Optional

import numpy as np
from mmengine.dataset import Compose
from mmpose.registry import KEYPOINT_CODECS
from mmpose.utils import register_all_modules

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
import fashionai_dataset  # noqa: F401  (registers the plugin's modules)
from fashionai_core.benchmarking import (benchmark_parser, print_table,
                                         synthetic_rows)
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv, records_from_rows
from fashionai_core.normalized_error import normalized_errors, summarize

IMAGE_SIZE = 512

CODECS: Dict[str, dict] = {
    'MSRAHeatmap':
    dict(type='MSRAHeatmap'),
    'MSRAHeatmap unbiased (DARK)':
    dict(type='MSRAHeatmap', unbiased=True),
    'UDPHeatmap':
    dict(type='UDPHeatmap'),
    # projects/regression_baseline's DeepPose and RLE configs
    'RegressionLabel':
    dict(type='RegressionLabel'),
    # RTMPose's coordinate classification: MMPose's defaults, its DARK
    # refinement, a finer grid, and this project's sub-bin codec
    'SimCCLabel (split 2, MMPose default)':
    dict(type='SimCCLabel'),
    'SimCCLabel split 2, use_dark':
    dict(type='SimCCLabel', use_dark=True),
    'SimCCLabel split 3':
    dict(type='SimCCLabel', simcc_split_ratio=3.0),
    'SubpixelSimCCLabel split 2 (the RTMPose configs)':
    dict(type='SubpixelSimCCLabel'),
    'SubpixelSimCCLabel split 1':
    dict(type='SubpixelSimCCLabel', simcc_split_ratio=1.0),
}
HEATMAP_CODECS = ('MSRAHeatmap', 'UDPHeatmap')
SIMCC_CODECS = ('SimCCLabel', 'SubpixelSimCCLabel')


def round_trip(records, codec_cfg: dict, input_size: int,
               padding: float) -> float:
    """NE (percent) of the annotations after one encode/decode round trip."""
    use_udp = codec_cfg['type'] == 'UDPHeatmap'
    codec_cfg = dict(codec_cfg, input_size=(input_size, input_size))
    if codec_cfg['type'] in HEATMAP_CODECS:
        heatmap = input_size // 4
        codec_cfg.update(
            heatmap_size=(heatmap, heatmap), sigma=2 * input_size / 256)
    elif codec_cfg['type'] in SIMCC_CODECS:
        # RTMPose's sigma: 5.66 bins at 256 pixels and split ratio 2
        split = codec_cfg.setdefault('simcc_split_ratio', 2.0)
        sigma = 5.66 * input_size / 256 * split / 2
        codec_cfg.update(sigma=(sigma, sigma))
    codec = KEYPOINT_CODECS.build(codec_cfg)
    pipeline = Compose([
        dict(type='GetBBoxCenterScale', padding=padding),
        dict(
            type='TopdownAffine', input_size=codec.input_size,
            use_udp=use_udp),
    ])
    image = np.zeros((IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    decoded = np.zeros_like(records.keypoints)
    for row in range(len(records)):
        annotated = records.visibility[row] >= 0
        results = pipeline(
            dict(
                img=image,
                bbox=np.array([[0, 0, IMAGE_SIZE, IMAGE_SIZE]], np.float32),
                keypoints=records.keypoints[row][None].astype(np.float32),
                keypoints_visible=annotated[None].astype(np.float32)))
        encoded = codec.encode(results['transformed_keypoints'],
                               results['keypoints_visible'])
        if 'heatmaps' in encoded:
            points, _ = codec.decode(encoded['heatmaps'])
        elif 'keypoint_x_labels' in encoded:
            points, _ = codec.decode(encoded['keypoint_x_labels'],
                                     encoded['keypoint_y_labels'])
        else:
            points, _ = codec.decode(encoded['keypoint_labels'])
        center, scale = results['input_center'], results['input_scale']
        decoded[row] = (
            points[0] / np.array(codec.input_size) * scale + center -
            0.5 * scale)
    return summarize(
        normalized_errors(decoded, records.keypoints, records.visibility,
                          records.category_ids))['NE']


def main(argv: Optional[List[str]] = None) -> None:
    parser = benchmark_parser(__doc__)
    parser.add_argument(
        'annotations',
        nargs='?',
        help='annotation CSV (default: synthetic rows)')
    parser.add_argument(
        '--rows',
        type=int,
        default=None,
        help='use the first N rows (default: all)')
    parser.add_argument(
        '--sizes', type=int, nargs='+', default=[256, 384, 512])
    args = parser.parse_args(argv)
    register_all_modules()
    if args.annotations:
        records = read_fashionai_csv(args.annotations, require_keypoints=True)
    else:
        records = records_from_rows(
            synthetic_rows(240, 'val'), 'the synthetic generator')
    if args.rows:
        for field in ('keypoints', 'visibility', 'lines'):
            setattr(records, field, getattr(records, field)[:args.rows])
        records.image_ids = records.image_ids[:args.rows]
        records.categories = records.categories[:args.rows]
    print(f'{len(records)} rows of {records.path}; heatmaps at 1/4 of '
          'the input, sigma 2 per 256 pixels')
    headers = ['codec'] + [f'{size}, padding 1.25' for size in args.sizes
                           ] + [f'{args.sizes[0]}, padding 1.0']
    table = []
    for name, codec_cfg in CODECS.items():
        row = [name]
        for size in args.sizes:
            row.append(f'{round_trip(records, codec_cfg, size, 1.25):.3f}%')
        row.append(
            f'{round_trip(records, codec_cfg, args.sizes[0], 1.0):.3f}%')
        table.append(row)
        print(f'  {name} done', flush=True)
    print_table('\nNE of the round trip (the floor of a perfect network):',
                table, headers, 'simple')


if __name__ == '__main__':
    run_tool(main)
