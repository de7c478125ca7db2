"""Shipping a model: ONNX export, the torch-free onnxruntime predictor, its
parity with PyTorch, tools/infer.py on plain images, and MMPoseInferencer
drawing FashionAI predictions."""
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np
import onnx
import onnx.numpy_helper
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmpose.codecs import MSRAHeatmap, SimCCLabel, UDPHeatmap
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.models import build_pose_estimator
from mmpose.models.utils.tta import flip_heatmaps, flip_vectors

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.keypoints import CATEGORY_KEYPOINTS
from fashionai_core.submission_evaluation import evaluate_submission
from fashionai_dataset.codecs import SubpixelSimCCLabel
from fashionai_dataset.metainfo import fashionai_metainfo
from fashionai_dataset.models import shift_bins_left as torch_shift_bins
from fashionai_dataset.weights_only import encode
from fashionai_deploy import MetadataError, OnnxPoseModel
from fashionai_deploy.decoding import decode, merge_flipped
from fashionai_deploy.metadata import METADATA_KEY
from fashionai_deploy.preprocess import normalize, warp_image
from fixtures import CONFIG_DIR, TOOLS, run_python, write_answered_test_split

RTMPOSE_CONFIG = CONFIG_DIR / 'rtmpose_t_blouse.py'
ALL_METAINFO = CONFIG_DIR / '_base_/datasets/fashionai_all.yaml'
TINY_RTMPOSE = f"""
from fashionai_core.config_utils import pipeline_for_codec

codec = dict(
    type='SubpixelSimCCLabel', input_size=(64, 64), sigma=(1.4, 1.4),
    simcc_split_ratio=2.0, normalize=False, use_dark=False)
model = dict(
    backbone=dict(init_cfg=None),
    head=dict(out_channels=24, input_size=codec['input_size'],
              in_featuremap_size=(2, 2), decoder=codec))
metainfo = dict(from_file={str(ALL_METAINFO)!r})
train_dataloader = dict(dataset=dict(category='all', metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(
        category='all',
        metainfo=metainfo,
        pipeline=pipeline_for_codec(_base_.val_pipeline, codec)))
"""


def run_tool(name: str,
             *args,
             env: Dict[str, str] = None,
             check: bool = False) -> subprocess.CompletedProcess:
    return run_python(
        TOOLS / name, *args, env=env, ignore_warnings=False, check=check)


def make_checkpoint(config: Path, path: Path, seed: int = 0) -> Path:
    """A checkpoint as `mim train` writes one (weights, the config and the
    encoded dataset metainfo), of a randomly initialised model."""
    cfg = Config.fromfile(str(config))
    init_default_scope('mmpose')
    torch.manual_seed(seed)
    model = build_pose_estimator(cfg.model)
    model.init_weights()
    category = cfg.test_dataloader.dataset.category
    meta = dict(
        cfg=cfg.pretty_text,
        dataset_meta=parse_pose_metainfo(fashionai_metainfo(category)))
    torch.save(dict(state_dict=model.state_dict(), meta=encode(meta)), path)
    return path


def tiny_rtmpose_checkpoint(folder: Path) -> Tuple[Path, Path]:
    """A tiny RTMPose ``all`` config in ``folder`` and a checkpoint of it
    (:func:`make_checkpoint`)."""
    config = folder / 'tiny_rtmpose_all.py'
    config.write_text(f'_base_ = [{str(RTMPOSE_CONFIG)!r}]\n' + TINY_RTMPOSE)
    return config, make_checkpoint(config, folder / 'all.pth')


def point_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances between the defined points of two (N, 24, 2) arrays."""
    distances = np.linalg.norm(a - b, axis=-1)
    assert np.array_equal(np.isnan(distances), np.isnan(a[..., 0]))
    return distances[~np.isnan(distances)]


@pytest.fixture(scope='module')
def blouse_test_split(tmp_path_factory) -> Path:
    """Ten blouse images with answers, and their test list."""
    return write_answered_test_split(
        tmp_path_factory.mktemp('blouse_test'), ['blouse'], 10, seed=7)


@pytest.fixture(scope='module')
def exported_blouse(trained_elsewhere, tmp_path_factory) -> Path:
    """The tiny trained blouse model, exported by tools/export_onnx.py."""
    out = tmp_path_factory.mktemp('onnx') / 'blouse.onnx'
    result = run_tool(
        'export_onnx.py',
        trained_elsewhere.config,
        trained_elsewhere.checkpoint,
        out,
        check=True)
    assert 'largest |onnxruntime - PyTorch|' in result.stdout
    return out


# The numpy steps against MMPose's own, on the same inputs


@pytest.mark.parametrize('use_udp', [True, False])
@pytest.mark.parametrize('size', [(300, 200), (200, 300), (97, 97)])
@pytest.mark.parametrize('box', [None, (12.5, 30, 150.25, 90)])
def test_warp_matches_mmpose_pipeline(use_udp, size, box):
    rng = np.random.default_rng(0)
    width, height = size
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    init_default_scope('mmpose')
    pipeline = Compose([
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=(64, 48), use_udp=use_udp)
    ])
    expected = pipeline(
        dict(
            img=image.copy(),
            bbox=np.array([box or (0, 0, width, height)], dtype=np.float32)))
    warped, center, scale = warp_image(image, 1.25, (64, 48), use_udp,
                                       None if box is None else np.array(box))
    assert np.array_equal(warped, expected['img'])
    assert np.array_equal(center, expected['input_center'])
    assert np.array_equal(scale, expected['input_scale'])


def test_normalize_refuses_grayscale_and_computes_other_dtypes():
    with pytest.raises(ValueError, match=r'\(N, h, w, 3\).*\(1, 4, 4\)'):
        normalize(np.zeros((1, 4, 4), np.uint8), [0] * 3, [1] * 3, False)
    images = np.random.default_rng(6).integers(0, 256, (2, 3, 5, 3))
    mean, std = [1., 2., 3.], [2., 4., 8.]
    expected = normalize(images.astype(np.uint8), mean, std, True, True)
    for dtype in (np.float32, np.int64):
        np.testing.assert_allclose(
            normalize(images.astype(dtype), mean, std, True, True),
            expected,
            rtol=1e-6)


def test_normalize_matches_data_preprocessor():
    from mmpose.models.data_preprocessors import PoseDataPreprocessor
    from mmpose.structures import PoseDataSample
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    preprocessor = PoseDataPreprocessor(mean=mean, std=std, bgr_to_rgb=True)
    images = np.random.default_rng(1).integers(
        0, 256, (2, 16, 24, 3), dtype=np.uint8)
    expected = preprocessor(
        dict(
            inputs=[torch.from_numpy(i.transpose(2, 0, 1)) for i in images],
            data_samples=[PoseDataSample() for _ in images]),
        training=False)['inputs'].numpy()
    assert np.array_equal(normalize(images, mean, std, True), expected)
    # the flip test's inputs: the images, then their mirrors
    assert np.array_equal(
        normalize(images, mean, std, True, mirrored=True),
        np.concatenate([expected, expected[..., ::-1]]))
    assert np.array_equal(
        normalize(images, mean, std, False),
        (images.transpose(0, 3, 1, 2) - np.float32(mean).reshape(3, 1, 1)) /
        np.float32(std).reshape(3, 1, 1))


def _codec_cases():
    size = dict(input_size=(64, 48))
    return [
        ('UDPHeatmap', UDPHeatmap(heatmap_size=(16, 12), sigma=1.5, **size),
         dict(heatmap_size=[16, 12], blur_kernel_size=11)),
        ('MSRAHeatmap',
         MSRAHeatmap(heatmap_size=(16, 12), sigma=1.5, unbiased=True, **size),
         dict(heatmap_size=[16, 12], unbiased=True, blur_kernel_size=11)),
        ('MSRAHeatmap', MSRAHeatmap(heatmap_size=(16, 12), sigma=1.5, **size),
         dict(heatmap_size=[16, 12], unbiased=False, blur_kernel_size=11)),
        ('SimCCLabel',
         SimCCLabel(sigma=(2.8, 2.8), simcc_split_ratio=2.0,
                    **size), dict(simcc_split_ratio=2.0)),
        ('SubpixelSimCCLabel',
         SubpixelSimCCLabel(
             sigma=(2.8, 2.8), simcc_split_ratio=2.0, normalize=False,
             **size), dict(simcc_split_ratio=2.0)),
    ]


@pytest.mark.parametrize('kind,codec,fields', _codec_cases())
@pytest.mark.parametrize(
    'noise,gain', [((0, 0.05), 1.), ((-1., 0.), 1.), ((0, 0.05), 0.002),
                   ((0, 2.), 1.)],
    ids=['peaks', 'negative-around', 'faint', 'noisy'])
def test_decoding_matches_mmpose_codecs(kind, codec, fields, noise, gain):
    """A batch of three images, decoded at once, against MMPose's decoder
    on each image; two points lie on the borders, where refinements stop.
    The negative and faint maps reach MMPose's clip of the blurred log
    (below 1e-3 for UDP, 1e-10 for DARK) around the peaks, and the noisy
    ones have nearly flat peaks whose Newton step is sensitive to float32
    rounding: there the decoder repeats MMPose's whole-map arithmetic. One
    map is negative everywhere (no point: its position is not
    compared)."""
    rng = np.random.default_rng(2)
    batch = []
    for _ in range(3):
        keypoints = rng.uniform([4, 4], [60, 44], (1, 13, 2))
        keypoints[0, 0] = (0, 20)
        keypoints[0, 1] = (63, 47)  # the last bins but one of SimCC
        encoded = codec.encode(keypoints, np.ones((1, 13)))
        if 'heatmaps' in encoded:
            outputs = [encoded['heatmaps'].astype(np.float32)]
        else:
            outputs = [
                encoded['keypoint_x_labels'][0].astype(np.float32),
                encoded['keypoint_y_labels'][0].astype(np.float32)
            ]
        # noise (relative to the peak), so that refinements have something
        # to do
        batch.append([
            (o + rng.uniform(*noise, o.shape).astype(np.float32) * o.max()) *
            np.float32(gain) for o in outputs
        ])
    if noise[0] < 0:
        for output in batch[1]:
            output[5] = -np.abs(output[5]) - 0.1
    points, scores = decode(
        dict(type=kind, input_size=[64, 48], **fields),
        [np.stack(parts) for parts in zip(*batch)])
    assert points.shape == (3, 13, 2) and scores.shape == (3, 13)
    for i, outputs in enumerate(batch):
        expected, expected_scores = codec.decode(
            *[o.copy() if o.ndim == 3 else o[None].copy() for o in outputs])
        found = expected_scores[0] > 0
        assert found.sum() >= 11 and not (i == 1 and noise[0] < 0 and found[5])
        np.testing.assert_allclose(
            points[i][found], expected[0][found], atol=1e-4)
        np.testing.assert_allclose(scores[i], expected_scores[0], atol=1e-6)


@pytest.mark.parametrize('shift_heatmap', [True, False])
def test_heatmap_flip_merge_matches_mmpose(shift_heatmap):
    rng = np.random.default_rng(3)
    plain, mirrored = rng.random((2, 2, 13, 12, 16), dtype=np.float32)
    flip_indices = fashionai_flip_indices('blouse')
    expected = (torch.from_numpy(plain) + flip_heatmaps(
        torch.from_numpy(mirrored),
        flip_indices=flip_indices,
        shift_heatmap=shift_heatmap)) * 0.5
    merged = merge_flipped([plain], [mirrored], flip_indices,
                           dict(shift_heatmap=shift_heatmap))
    np.testing.assert_allclose(merged[0], expected.numpy(), atol=1e-7)


@pytest.mark.parametrize('shift', [0., 1., 1.5])
def test_simcc_flip_merge_matches_flip_aligned_head(shift):
    rng = np.random.default_rng(4)
    x, x_flip = rng.random((2, 2, 13, 128), dtype=np.float32)
    y, y_flip = rng.random((2, 2, 13, 96), dtype=np.float32)
    flip_indices = fashionai_flip_indices('blouse')
    mirrored_x, mirrored_y = flip_vectors(
        torch.from_numpy(x_flip), torch.from_numpy(y_flip), flip_indices)
    mirrored_x = torch_shift_bins(mirrored_x, shift)
    merged = merge_flipped([x, y], [x_flip, y_flip], flip_indices,
                           dict(simcc_x_shift=shift))
    np.testing.assert_allclose(
        merged[0], (x + mirrored_x.numpy()) * 0.5, atol=1e-6)
    np.testing.assert_allclose(
        merged[1], (y + mirrored_y.numpy()) * 0.5, atol=1e-6)


def fashionai_flip_indices(category: str) -> List[int]:
    return parse_pose_metainfo(fashionai_metainfo(category))['flip_indices']


# Export, then the same predictions from both backends


def predict_both(test_root: Path, tmp_path: Path, category: str,
                 checkpoint: Path, onnx_file: Path, *extra) -> List[Path]:
    """Submissions from tools/predict.py with PyTorch and onnxruntime."""
    outputs = []
    for backend, model in (('pytorch', checkpoint), ('onnxruntime',
                                                     onnx_file)):
        out = tmp_path / f'{backend}.csv'
        run_tool(
            'predict.py',
            test_root / 'test.csv',
            test_root,
            out,
            '--model',
            f'{category}={model}',
            '--backend',
            backend,
            '--num-workers',
            '0',
            *extra,
            check=True)
        outputs.append(out)
    return outputs


@pytest.mark.slow
def test_heatmap_model_predicts_the_same_through_onnxruntime(
        trained_elsewhere, exported_blouse, blouse_test_split, tmp_path):
    torch_csv, onnx_csv = predict_both(blouse_test_split, tmp_path, 'blouse',
                                       trained_elsewhere.checkpoint,
                                       exported_blouse)
    answers = read_fashionai_csv(blouse_test_split / 'Annotations/answers.csv')
    torch_records = read_fashionai_csv(torch_csv, allow_decimal=True)
    onnx_records = read_fashionai_csv(onnx_csv, allow_decimal=True)
    # the submission's two decimals are the resolution here
    distances = point_distances(torch_records.keypoints,
                                onnx_records.keypoints)
    assert distances.mean() < 0.05
    torch_ne = evaluate_submission(answers, torch_records).summary['NE']
    onnx_ne = evaluate_submission(answers, onnx_records).summary['NE']
    assert abs(torch_ne - onnx_ne) < 0.01


@pytest.mark.slow
def test_both_backends_predict_in_the_detection_files_boxes(
        trained_elsewhere, exported_blouse, blouse_test_split, tmp_path):
    records = read_fashionai_csv(blouse_test_split / 'test.csv')
    # boxes around part of each image (off-centre, another aspect ratio),
    # none for the last two images: those are predicted whole
    entries = [
        dict(
            image_id=image_id,
            category='blouse',
            bbox=[10 + i, 5, 70, 60 + 2 * i],
            score=0.9) for i, image_id in enumerate(records.image_ids[:-2])
    ]
    bbox_file = tmp_path / 'det.json'
    bbox_file.write_text(json.dumps(entries))
    boxed = predict_both(blouse_test_split, tmp_path, 'blouse',
                         trained_elsewhere.checkpoint, exported_blouse,
                         '--bbox-file', bbox_file)
    boxed = [
        read_fashionai_csv(path, allow_decimal=True).keypoints
        for path in boxed
    ]
    # the one-epoch model's heatmaps are nearly flat: a 1e-6 difference
    # between the backends can move an argmax by a cell, as it did for one
    # point of 240 here; a box handled differently would move them all
    assert np.mean(point_distances(*boxed) < 0.05) >= 0.99
    whole_dir = tmp_path / 'whole'
    whole_dir.mkdir()
    whole = read_fashionai_csv(
        predict_both(blouse_test_split, whole_dir, 'blouse',
                     trained_elsewhere.checkpoint, exported_blouse)[1],
        allow_decimal=True).keypoints
    np.testing.assert_array_equal(boxed[1][-2:], whole[-2:])
    assert not np.allclose(boxed[1][:-2], whole[:-2], equal_nan=True)


@pytest.mark.slow
def test_an_exif_rotated_photo_predicts_as_its_upright_twin(
        trained_elsewhere, exported_blouse, blouse_test_split, tmp_path):
    """A phone JPEG stored sideways with Orientation=6: OpenCV turns its
    pixels upright, so its box must be the upright size too."""
    from PIL import Image
    root = tmp_path / 'photos'
    (root / 'Images' / 'blouse').mkdir(parents=True)
    source = sorted((blouse_test_split / 'Images' / 'blouse').glob('*.jpg'))[0]
    upright = cv2.imread(str(source))  # 120x96
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # turned left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    Image.fromarray(stored[..., ::-1]).save(
        root / 'Images/blouse/phone.jpg', quality=95, exif=exif.tobytes())
    # the twin: exactly the pixels the decoder gives for the phone file
    decoded = cv2.imread(str(root / 'Images/blouse/phone.jpg'))
    assert decoded.shape[:2] == upright.shape[:2]
    cv2.imwrite(str(root / 'Images/blouse/twin.png'), decoded)
    from fashionai_core.image_check import image_size
    assert image_size(str(root / 'Images/blouse/phone.jpg')) == (120, 96)
    (root / 'test.csv').write_text('image_id,image_category\n'
                                   'Images/blouse/phone.jpg,blouse\n'
                                   'Images/blouse/twin.png,blouse\n')
    outputs = predict_both(root, tmp_path, 'blouse',
                           trained_elsewhere.checkpoint, exported_blouse)
    torch_points, onnx_points = (
        read_fashionai_csv(path, allow_decimal=True).keypoints[:, :13]
        for path in outputs)
    for points in (torch_points, onnx_points):
        assert point_distances(points[0], points[1]).max() < 0.05
    assert point_distances(torch_points, onnx_points).max() < 0.05


@pytest.mark.slow
def test_simcc_all_model_predicts_the_same_through_onnxruntime(tmp_path):
    config, checkpoint = tiny_rtmpose_checkpoint(tmp_path)
    exported = tmp_path / 'rtmpose.onnx'
    run_tool(
        'export_onnx.py',
        config,
        checkpoint,
        exported,
        '--batch',
        '4',
        check=True)
    model = OnnxPoseModel(str(exported))
    assert model.batch == 4 and model.metadata['codec'][
        'type'] == 'SubpixelSimCCLabel'
    assert model.metadata['flip_test']['simcc_x_shift'] == 1.0
    root = write_answered_test_split(
        tmp_path / 'test', ['skirt', 'dress', 'trousers'],
        3,
        size=(80, 64),
        seed=3)
    torch_csv, onnx_csv = predict_both(root, tmp_path, 'all', checkpoint,
                                       exported, '--batch-size', '5')
    distances = point_distances(
        read_fashionai_csv(torch_csv, allow_decimal=True).keypoints,
        read_fashionai_csv(onnx_csv, allow_decimal=True).keypoints)
    assert distances.mean() < 0.05


# What the predictor needs is in the file, and wrong files are refused


def test_export_writes_the_metadata_the_predictor_needs(exported_blouse):
    model = OnnxPoseModel(str(exported_blouse))
    meta = model.metadata
    assert meta['category'] == 'blouse' and model.batch is None
    assert model.keypoint_names == list(CATEGORY_KEYPOINTS['blouse'])
    assert meta['input_size'] == [64, 64] and meta['use_udp']
    assert meta['codec'] == dict(
        type='UDPHeatmap',
        input_size=[64, 64],
        heatmap_size=[16, 16],
        blur_kernel_size=11)
    assert meta['flip_indices'] == fashionai_flip_indices('blouse')
    assert meta['flip_test'] == dict(
        enabled=True, shift_heatmap=False, simcc_x_shift=0.)
    # docs/deployment.md says which opset the files carry
    opsets = {
        o.domain: o.version
        for o in onnx.load(str(exported_blouse)).opset_import
    }
    assert opsets[''] == 20


def rewrite_metadata(source: Path, target: Path, change) -> Path:
    proto = onnx.load(str(source))
    entry = next(p for p in proto.metadata_props if p.key == METADATA_KEY)
    metadata = json.loads(entry.value)
    change(metadata)
    entry.value = json.dumps(metadata)
    onnx.save(proto, str(target))
    return target


def test_onnx_files_that_do_not_fit_are_refused(exported_blouse, tmp_path):

    def drop_codec(meta):
        del meta['codec']

    def other_size(meta):
        meta['input_size'] = meta['codec']['input_size'] = [128, 128]

    def skirt(meta):
        meta['category'] = 'skirt'
        meta['keypoint_names'] = list(CATEGORY_KEYPOINTS['skirt'])
        meta['flip_indices'] = fashionai_flip_indices('skirt')

    def setter(field, value, codec=False):

        def change(meta):
            (meta['codec'] if codec else meta)[field] = value

        return change

    cases = [
        (drop_codec, "has no 'codec' field"),
        (other_size, 'exported for another input size'),
        (skirt, 'has 13 keypoint channels, the metadata names 4'),
        # each of these used to exit 0 with wrong points, or a traceback
        (setter('heatmap_size', [32, 32], codec=True),
         r'output heatmaps is \[16, 16\] per keypoint, the metadata\'s '
         r'codec says \[32, 32\]'),
        (setter('bbox_padding', 0), r'metadata bbox_padding is 0; expected '
         r'a number in \[0.5, 10\]'),
        (setter('bbox_padding', -1.25), 'metadata bbox_padding is -1.25'),
        (setter('bbox_padding', '1.25'), 'metadata bbox_padding is "1.25"'),
        (setter('std', [58.4, 0, 57.4]), 'metadata std is .*; expected three '
         'positive numbers'),
        (setter('use_udp', 'true'), 'metadata use_udp is "true"; expected '
         'true or false'),
        (setter('flip_test', True), 'metadata flip_test is true; expected '
         'enabled and shift_heatmap'),
        (setter('input_size', [64, 10**6]), 'metadata input_size is'),
        (setter('blur_kernel_size', 10, codec=True),
         'metadata codec blur_kernel_size is 10; expected an odd number'),
    ]
    for change, message in cases:
        path = rewrite_metadata(exported_blouse, tmp_path / 'changed.onnx',
                                change)
        with pytest.raises(MetadataError, match=message) as error:
            OnnxPoseModel(str(path))
        assert str(path) in str(error.value)
    deep = onnx.load(str(exported_blouse))
    (prop, ) = [p for p in deep.metadata_props if p.key == METADATA_KEY]
    prop.value = '[' * 100_000 + ']' * 100_000
    onnx.save(deep, str(tmp_path / 'deep.onnx'))
    with pytest.raises(MetadataError, match='not JSON .nested too deeply'):
        OnnxPoseModel(str(tmp_path / 'deep.onnx'))
    bare = onnx.load(str(exported_blouse))
    del bare.metadata_props[:]
    onnx.save(bare, str(tmp_path / 'bare.onnx'))
    with pytest.raises(MetadataError, match="has no 'fashionai' metadata"):
        OnnxPoseModel(str(tmp_path / 'bare.onnx'))


def test_a_graph_that_fails_in_onnxruntime_is_one_line(exported_blouse,
                                                       blouse_test_split,
                                                       tmp_path):
    proto = onnx.load(str(exported_blouse))
    weight = max(proto.graph.initializer, key=lambda t: len(t.dims))
    # a convolution weight with the input channels of another network
    array = onnx.numpy_helper.to_array(weight)
    broken = np.zeros((array.shape[0], array.shape[1] + 5) + array.shape[2:],
                      array.dtype)
    weight.CopyFrom(onnx.numpy_helper.from_array(broken, weight.name))
    path = tmp_path / 'broken.onnx'
    onnx.save(proto, str(path))
    out = tmp_path / 'never.csv'
    result = run_tool('predict.py', blouse_test_split / 'test.csv',
                      blouse_test_split, out, '--backend', 'onnxruntime',
                      '--model', f'blouse={path}')
    assert result.returncode == 1, result.stderr
    # after the progress bar the run had started: the one line, no trace
    assert result.stderr.splitlines()[-1].startswith(
        f'error: {path}: onnxruntime cannot run the network'), result.stderr
    assert 'Traceback' not in result.stderr
    assert 'onnxruntime_src' not in result.stderr.splitlines()[0]
    assert not out.exists()


def test_a_graph_whose_outputs_are_not_what_it_declares(
        exported_blouse, blouse_test_split, tmp_path):
    """Declared (N, 13, 16, 16), computed 8x8 maps or 3 channels: one
    located line, nothing written (only declared shapes were checked)."""

    def sliced(name, axes, ends):
        """The heatmaps cut to ``ends`` along ``axes`` by a Slice whose
        ends are computed from the data (0 * min + ends), so that no shape
        inference sees them: the graph still declares 13 x 16 x 16."""
        proto = onnx.load(str(exported_blouse))
        (node, ) = [n for n in proto.graph.node if 'heatmaps' in n.output]
        node.output[list(node.output).index('heatmaps')] = 'raw'
        for key, value, dtype in (('zero', [0.0], np.float32), ('ends_f', ends,
                                                                np.float32),
                                  ('starts', [0] * len(axes),
                                   np.int64), ('axes', axes, np.int64)):
            proto.graph.initializer.append(
                onnx.numpy_helper.from_array(np.array(value, dtype), key))
        make = onnx.helper.make_node
        proto.graph.node.extend([
            make('ReduceMin', ['raw'], ['low'], keepdims=0),
            make('Mul', ['low', 'zero'], ['nothing']),
            make('Add', ['nothing', 'ends_f'], ['ends_sum']),
            make('Cast', ['ends_sum'], ['ends'], to=onnx.TensorProto.INT64),
            make('Slice', ['raw', 'starts', 'ends', 'axes'], ['heatmaps'])
        ])
        path = tmp_path / f'{name}.onnx'
        onnx.save(proto, str(path))
        return path

    for path, shape in ((sliced('small', [2, 3], [8, 8]), '[20, 13, 8, 8]'),
                        (sliced('few', [1], [3]), '[20, 3, 16, 16]')):
        out = tmp_path / 'never.csv'
        result = run_tool('predict.py', blouse_test_split / 'test.csv',
                          blouse_test_split, out, '--backend', 'onnxruntime',
                          '--model', f'blouse={path}')
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines()[-1] == (
            f'error: {path}: output heatmaps came out {shape}, the metadata '
            'says [20, 13, 16, 16]; the graph computes other shapes than it '
            'declares'), result.stderr
        assert not out.exists()


def test_predict_refuses_a_model_of_another_category(exported_blouse,
                                                     blouse_test_split,
                                                     tmp_path):
    out = tmp_path / 'never.csv'
    result = run_tool('predict.py', blouse_test_split / 'test.csv',
                      blouse_test_split, out, '--backend', 'onnxruntime',
                      '--model', f'blouse={exported_blouse}', '--model',
                      f'skirt={exported_blouse}')
    assert result.returncode == 1
    assert f'{exported_blouse} predicts blouse (13 keypoints), not skirt' in (
        result.stderr)
    assert not out.exists()


@pytest.mark.slow
def test_export_refuses_a_pipeline_the_predictor_does_not_repeat(
        trained_elsewhere, tmp_path):
    config = tmp_path / 'tta.py'
    config.write_text(
        f'_base_ = [{str(trained_elsewhere.config)!r}]\n'
        'from fashionai_core.config_utils import pipeline_for_codec\n'
        'test_dataloader = dict(dataset=dict(pipeline=pipeline_for_codec('
        '_base_.tta_pipeline, _base_.codec)))\n')
    out = tmp_path / 'never.onnx'
    result = run_tool('export_onnx.py', config, trained_elsewhere.checkpoint,
                      out)
    assert result.returncode == 1
    assert 'the test pipeline has TestTimeAug' in result.stderr
    assert not out.exists() and not list(tmp_path.glob('.never*'))


# Without torch, on plain images


def write_image_folder(root: Path, test_split: Path) -> List[Path]:
    """Four readable images (one in a subfolder), one that is not an
    image and one truncated JPEG."""
    images = sorted((test_split / 'Images' / 'blouse').glob('*.jpg'))[:5]
    (root / 'shop').mkdir(parents=True)
    kept = []
    for i, source in enumerate(images[:4]):
        target = root / ('shop' if i == 3 else '') / f'photo_{i}.jpg'
        target.write_bytes(source.read_bytes())
        kept.append(target)
    (root / 'notes.png').write_text('not an image')
    (root / 'cut.jpg').write_bytes(images[4].read_bytes()[:400])
    return kept


def test_onnx_backend_runs_without_torch_or_mmpose(exported_blouse,
                                                   blouse_test_split,
                                                   tmp_path):
    # a None entry in sys.modules makes that import fail
    blocker = tmp_path / 'sitecustomize.py'
    blocker.write_text('import sys\n' + ''.join(
        f'sys.modules[{name!r}] = None\n'
        for name in ('torch', 'mmpose', 'mmengine', 'mmcv', 'mmdet')))
    env = dict(__import__('os').environ, PYTHONPATH=str(tmp_path))
    out = tmp_path / 'sub.csv'
    run_tool(
        'predict.py',
        blouse_test_split / 'test.csv',
        blouse_test_split,
        out,
        '--backend',
        'onnxruntime',
        '--model',
        f'blouse={exported_blouse}',
        env=env,
        check=True)
    assert len(read_fashionai_csv(out, allow_decimal=True)) == 10
    images = tmp_path / 'images'
    write_image_folder(images, blouse_test_split)
    run_tool(
        'infer.py',
        images,
        '--category',
        'blouse',
        '--model',
        exported_blouse,
        '--out-dir',
        tmp_path / 'out',
        env=env,
        check=True)
    # the blocker works: torch really is out of reach in that environment
    check = subprocess.run([sys.executable, '-c', 'import torch'],
                           env=env,
                           capture_output=True)
    assert check.returncode != 0


@pytest.mark.slow
def test_infer_writes_json_and_drawings_and_skips_unreadable_images(
        trained_elsewhere, exported_blouse, blouse_test_split, tmp_path):
    images = write_image_folder(tmp_path / 'images', blouse_test_split)
    results = {}
    for backend, model in (('onnx', exported_blouse),
                           ('torch', trained_elsewhere.checkpoint)):
        out = tmp_path / backend
        result = run_tool(
            'infer.py',
            tmp_path / 'images',
            '--category',
            'blouse',
            '--model',
            model,
            '--out-dir',
            out,
            '--batch-size',
            '3',
            check=True)
        assert '4 of 6 images' in result.stdout
        assert '2 skipped' in result.stdout
        assert 'notes.png' in result.stdout and 'cut.jpg' in result.stdout
        assert sorted(p.relative_to(out) for p in out.rglob('*.json')) == [
            Path('photo_0.json'),
            Path('photo_1.json'),
            Path('photo_2.json'),
            Path('shop/photo_3.json')
        ]
        results[backend] = out
    for image in images:
        relative = image.relative_to(tmp_path / 'images').with_suffix('')
        onnx_doc, torch_doc = (
            json.loads(
                (results[b] / relative).with_suffix('.json').read_text())
            for b in ('onnx', 'torch'))
        assert [p['name'] for p in onnx_doc['keypoints']
                ] == list(CATEGORY_KEYPOINTS['blouse'])
        assert (onnx_doc['width'], onnx_doc['height']) == (120, 96)
        for a, b in zip(onnx_doc['keypoints'], torch_doc['keypoints']):
            assert abs(a['x'] - b['x']) < 0.05 and abs(a['y'] - b['y']) < 0.05
            assert abs(a['score'] - b['score']) < 1e-3
        drawing = cv2.imread(
            str((results['onnx'] / relative).with_suffix('.jpg')))
        original = cv2.imread(str(image))
        assert drawing.shape == original.shape
        # the skeleton and points changed the picture
        assert np.abs(drawing.astype(int) - original).max() > 100


def test_infer_refuses_a_model_of_another_category(exported_blouse,
                                                   blouse_test_split,
                                                   tmp_path):
    write_image_folder(tmp_path / 'images', blouse_test_split)
    result = run_tool('infer.py', tmp_path / 'images', '--category',
                      'trousers', '--model', exported_blouse, '--out-dir',
                      tmp_path / 'out')
    assert result.returncode == 1
    assert 'predicts blouse (13 keypoints), not trousers' in result.stderr
    assert not (tmp_path / 'out').exists()


def test_infer_refuses_outputs_that_collide_or_overwrite_inputs(
        exported_blouse, blouse_test_split, tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    source = sorted((blouse_test_split / 'Images' / 'blouse').glob('*.jpg'))[0]
    (folder / 'a.jpg').write_bytes(source.read_bytes())
    cv2.imwrite(str(folder / 'a.png'), cv2.imread(str(source)))
    result = run_tool('infer.py', folder, '--category', 'blouse', '--model',
                      exported_blouse, '--out-dir', tmp_path / 'out')
    assert result.returncode == 1
    assert (f'{folder / "a.jpg"} and {folder / "a.png"} would both write '
            f'{tmp_path / "out" / "a.json"}') in result.stderr, result.stderr
    assert not (tmp_path / 'out').exists()
    (folder / 'a.png').unlink()
    before = (folder / 'a.jpg').read_bytes()
    result = run_tool('infer.py', folder, '--category', 'blouse', '--model',
                      exported_blouse, '--out-dir', folder)
    assert result.returncode == 1
    assert (f'error: {folder / "a.jpg"}: would replace the input '
            f'{folder / "a.jpg"}; choose another --out-dir') in result.stderr
    assert (folder / 'a.jpg').read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ['a.jpg']


# MMPose's own inferencer with these configs


@pytest.mark.slow
@pytest.mark.parametrize('category,with_checkpoint', [('blouse', True),
                                                      ('blouse', False),
                                                      ('all', True),
                                                      ('all', False)])
def test_mmpose_inferencer_draws_fashionai_predictions(category,
                                                       with_checkpoint,
                                                       trained_elsewhere,
                                                       blouse_test_split,
                                                       tmp_path):
    from mmpose.apis import MMPoseInferencer
    if category == 'blouse':
        config = trained_elsewhere.config
        checkpoint = trained_elsewhere.checkpoint
    else:
        config, checkpoint = tiny_rtmpose_checkpoint(tmp_path)
    inferencer = MMPoseInferencer(
        pose2d=str(config),
        pose2d_weights=str(checkpoint) if with_checkpoint else None,
        det_model='whole_image',
        device='cpu')
    images = sorted((blouse_test_split / 'Images/blouse').glob('*.jpg'))[:2]
    results = list(
        inferencer([str(i) for i in images],
                   vis_out_dir=str(tmp_path / 'vis')))
    count = len(CATEGORY_KEYPOINTS[category])
    assert [len(r['predictions'][0][0]['keypoints'])
            for r in results] == [count, count]
    meta = inferencer.inferencer.visualizer.dataset_meta
    assert meta['dataset_name'] == f'fashionai_{category}'
    assert len(meta['keypoint_colors']) == count
    for image in images:
        drawn = cv2.imread(str(tmp_path / 'vis' / image.name))
        assert drawn is not None and drawn.shape[:2] == (96, 120)
