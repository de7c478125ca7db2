"""int8 ONNX files: tools/export_onnx.py --int8 on a tiny trained model,
its metadata, and the unchanged predictors on it."""
import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_deploy import OnnxPoseModel
from fashionai_deploy.metadata import METADATA_KEY
from fashionai_deploy.quantize import calibration_images
from fixtures import TOOLS, run_checked, run_python, write_answered_test_split


def export(trained, out: Path, *extra, check: bool = False):
    """tools/export_onnx.py of ``trained``'s config and checkpoint to
    ``out``; ``check``: it must exit 0."""
    args = (trained.config, trained.checkpoint, out, *extra)
    return run_python(TOOLS / 'export_onnx.py', *args, check=check)


@pytest.fixture(scope='module')
def int8_blouse(trained_elsewhere, tmp_path_factory) -> Path:
    """The tiny trained blouse model in float32 and in int8, calibrated on
    its training CSV's blouse rows."""
    folder = tmp_path_factory.mktemp('int8')
    result = export(trained_elsewhere, folder / 'float.onnx', check=True)
    calibration = trained_elsewhere.data / 'train/Annotations/train.csv'
    result = export(
        trained_elsewhere,
        folder / 'int8.onnx',
        '--int8',
        '--calib-images',
        calibration,
        check=True)
    (folder / 'export.txt').write_text(result.stdout)
    return folder


@pytest.mark.slow
def test_int8_file_is_quantized_and_says_so(int8_blouse, trained_elsewhere):
    model = onnx.load(str(int8_blouse / 'int8.onnx'))
    ops = [node.op_type for node in model.graph.node]
    assert ops.count('QuantizeLinear') > 10 and 'DequantizeLinear' in ops
    metadata = json.loads({p.key: p.value
                           for p in model.metadata_props}[METADATA_KEY])
    float_model = onnx.load(str(int8_blouse / 'float.onnx'))
    float_metadata = json.loads(
        {p.key: p.value
         for p in float_model.metadata_props}[METADATA_KEY])
    quantization = metadata.pop('quantization')
    assert metadata == float_metadata  # everything else is the float file's
    # the training CSV has 6 blouse rows (and 6 skirt rows, left out)
    assert quantization == dict(
        weights='int8, one scale per tensor',
        activations='uint8',
        format='QDQ',
        calibration='percentile',
        calibration_images=6,
        float_layers=1)
    # the last convolution (the heatmaps) reads float weights
    (last, ) = [n for n in model.graph.node if n.op_type == 'Conv'][-1:]
    producers = {o: n.op_type for n in model.graph.node for o in n.output}
    assert producers.get(last.input[1]) != 'DequantizeLinear'
    assert (int8_blouse / 'int8.onnx'
            ).stat().st_size < (int8_blouse / 'float.onnx').stat().st_size / 2
    stdout = (int8_blouse / 'export.txt').read_text()
    assert 'int8: percentile calibration on 6 images, 1 layers in float' in (
        stdout)


@pytest.mark.slow
def test_int8_predicts_near_the_float_file_through_the_tools(
        int8_blouse, tmp_path):
    """predict.py and infer.py run the int8 file unchanged; its heatmaps
    stay within 2% of their peak of the float file's, per image (measured:
    0.2%)."""
    split = write_answered_test_split(tmp_path / 'test', ['blouse'], 4, seed=3)
    submissions = {}
    for precision in ('float', 'int8'):
        out = tmp_path / f'{precision}.csv'
        run_checked(TOOLS / 'predict.py', split / 'test.csv', split, out,
                    '--backend', 'onnxruntime', '--model',
                    f'blouse={int8_blouse / f"{precision}.onnx"}')
        submissions[precision] = read_fashionai_csv(out, allow_decimal=True)
    assert submissions['float'].image_ids == submissions['int8'].image_ids
    run_checked(TOOLS / 'infer.py', split / 'Images', '--category', 'blouse',
                '--model', int8_blouse / 'int8.onnx', '--out-dir',
                tmp_path / 'drawn')
    assert len(list((tmp_path / 'drawn').rglob('*.json'))) == 4
    float_model = OnnxPoseModel(str(int8_blouse / 'float.onnx'))
    int8_model = OnnxPoseModel(str(int8_blouse / 'int8.onnx'))
    inputs = np.random.default_rng(0).standard_normal((4, 3, 64, 64),
                                                      dtype=np.float32)
    (expected, ), (
        actual, ) = float_model._run(inputs), int8_model._run(inputs)
    peak = np.abs(expected).max(axis=(1, 2, 3))
    assert (np.abs(actual - expected).max(axis=(1, 2, 3)) < 0.02 * peak).all()


@pytest.mark.parametrize('extra, message', [
    (['--int8'], '--int8 and --calib-images go together'),
    (['--calib-images', 'x'], '--int8 and --calib-images go together'),
    (['--int8', '--calib-images', 'x', '--float-layers', '-1'
      ], '--float-layers must be 0 or more'),
])
def test_int8_options_go_together(trained_elsewhere, tmp_path, extra, message):
    result = export(trained_elsewhere, tmp_path / 'never.onnx', *extra)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / 'never.onnx').exists()


@pytest.mark.slow
def test_bad_calibration_sources_are_one_line(trained_elsewhere, tmp_path):
    skirts = tmp_path / 'skirts' / 'Annotations' / 'skirt.csv'
    write_answered_test_split(tmp_path / 'skirts', ['skirt'], 2)
    skirts.write_text(
        (tmp_path / 'skirts/Annotations/answers.csv').read_text())
    empty = tmp_path / 'empty'
    empty.mkdir()
    broken = tmp_path / 'broken'
    broken.mkdir()
    (broken / 'a.jpg').write_bytes(b'not a jpeg')
    cases = {
        skirts: f'error: {skirts}: no blouse row to calibrate on',
        empty: f'error: {empty}: no image file',
        tmp_path / 'missing': 'no such folder or CSV file',
        broken: str(broken / 'a.jpg'),
    }
    for source, message in cases.items():
        out = tmp_path / 'never.onnx'
        result = export(trained_elsewhere, out, '--int8', '--calib-images',
                        source)
        assert result.returncode == 1, (source, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and message in lines[0], (source, lines)
        assert not out.exists()


def test_calibration_images_spread_over_the_csv_rows(tmp_path):
    split = write_answered_test_split(tmp_path, ['blouse', 'skirt'], 5)
    csv = split / 'Annotations' / 'answers.csv'
    picked = calibration_images(str(csv), 'skirt', 3)
    assert [Path(p).name for p in picked
            ] == ['skirt_0_0000.jpg', 'skirt_0_0002.jpg', 'skirt_0_0004.jpg']
    assert all(Path(p).exists() for p in picked)  # the layout's root
    assert len(calibration_images(str(csv), 'all', 64)) == 10
    with pytest.raises(ValueError, match='at least 1'):
        calibration_images(str(csv), 'all', 0)
