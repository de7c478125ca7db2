"""Files a user receives can't delete data, reach outside the folders the
user named, or pass garbage off as a result (docs/bad_input.md).

Each test feeds one kind of bad file to the tools as a user runs them.
"""
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from test_deploy import tiny_rtmpose_checkpoint

from fashionai_core.csv_io import (ANNOTATION_HEADER, FashionAICSVError,
                                   read_fashionai_csv)
from fashionai_core.image_check import (FashionAIImageError, image_size,
                                        read_image)
from fashionai_core.predictions import with_predictions
from fashionai_core.synthetic import NotSyntheticDataError, ensure_synthetic
from fixtures import (TOOLS, one_error_line, run_checked, run_python,
                      set_cells, write_split)

# Never delete what the project did not create


def test_the_demo_never_replaces_a_folder_it_did_not_make(tmp_path):
    real = tmp_path / 'real'
    (real / 'train' / 'Annotations').mkdir(parents=True)
    (real / 'train' / 'Annotations' / 'train.csv').write_text('precious\n')
    result = run_python(TOOLS / 'demo.py', '--quick', '--data', real,
                        '--work-dir', tmp_path / 'work')
    line = one_error_line(result, alone=True)
    assert 'not a synthetic dataset made by make_synthetic' in line
    assert (real / 'train/Annotations/train.csv').read_text() == 'precious\n'
    # nor a work folder of someone else's runs
    runs = tmp_path / 'my_runs'
    runs.mkdir()
    (runs / 'best.pth').write_bytes(b'weights')
    result = run_python(TOOLS / 'demo.py', '--quick', '--data',
                        tmp_path / 'data', '--work-dir', runs)
    assert 'not a folder made by tools/demo.py' in one_error_line(
        result, alone=True)
    assert (runs / 'best.pth').read_bytes() == b'weights'


def test_a_synthetic_folder_it_made_is_rendered_again(tmp_path):
    sizes = dict(train=1, val=1, test=1)
    assert ensure_synthetic(str(tmp_path / 'data'), sizes)
    assert not ensure_synthetic(str(tmp_path / 'data'), sizes)
    assert ensure_synthetic(str(tmp_path / 'data'), dict(sizes, train=2))
    # re-rendering removes only what the generator writes
    (tmp_path / 'data' / 'notes.txt').write_text('mine')
    assert ensure_synthetic(str(tmp_path / 'data'), sizes)
    assert (tmp_path / 'data' / 'notes.txt').read_text() == 'mine'
    # a synthetic.json the generator did not write is no stamp
    for stamp in ('not json', '{"comment": "from a colleague"}'):
        other = tmp_path / 'other'
        (other / 'Images').mkdir(parents=True, exist_ok=True)
        (other / 'Images' / 'photo.jpg').write_bytes(b'real')
        (other / 'synthetic.json').write_text(stamp)
        with pytest.raises(NotSyntheticDataError):
            ensure_synthetic(str(other), sizes)
        assert (other / 'Images' / 'photo.jpg').read_bytes() == b'real'
    # nor is a link to someone's folder
    (tmp_path / 'link').symlink_to(tmp_path / 'other')
    with pytest.raises(NotSyntheticDataError):
        ensure_synthetic(str(tmp_path / 'link'), sizes)


# Image ids stay inside their root


@pytest.mark.parametrize('image_id, problem', [
    ('../outside.jpg', 'has a ".." part, which can leave the image root'),
    ('Images/../../outside.jpg',
     'has a ".." part, which can leave the image root'),
    ('/etc/hostname', 'is an absolute path'),
    ('/no/such/file.jpg', 'is an absolute path'),
])
def test_image_ids_outside_the_root_are_refused(tmp_path, image_id, problem):
    csv = tmp_path / 'test.csv'
    csv.write_text('image_id,image_category\n'
                   'Images/blouse/a.jpg,blouse\n'
                   f'{image_id},blouse\n')
    with pytest.raises(FashionAICSVError) as error:
        read_fashionai_csv(csv)
    assert (error.value.line, error.value.column) == (3, 1)
    # the same words whether or not the path exists
    assert str(error.value) == (
        f'{csv}, line 3, column 1 (image_id): image_id {image_id!r} '
        f'{problem}; expected a path relative to the image root, inside it')


def test_tools_refuse_such_ids_before_reading_anything(tmp_path):
    answers = write_split(tmp_path / 'val', ['skirt'], images_per_category=2)
    bad = set_cells(answers, 1, {0: '/etc/hostname'}, tmp_path / 'bad.csv')
    for args in ([TOOLS / 'evaluate.py', answers, bad], [
            TOOLS / 'visualize.py', tmp_path / 'val', '--ann', bad,
            '--out-dir', tmp_path / 'drawn'
    ]):
        line = one_error_line(run_python(*args), alone=True)
        assert "line 2, column 1 (image_id): image_id '/etc/hostname' is " \
            'an absolute path' in line
    assert not (tmp_path / 'drawn').exists()


# Outputs stay inside their folder and never collide


def test_visualize_refuses_two_images_writing_one_drawing(tmp_path):
    csv = write_split(tmp_path, ['skirt'], images_per_category=1)
    (image_id, ) = read_fashionai_csv(csv).image_ids
    png_id = image_id.replace('.jpg', '.png')
    cv2.imwrite(str(tmp_path / png_id), cv2.imread(str(tmp_path / image_id)))
    lines = csv.read_text().splitlines()
    lines.append(lines[1].replace(image_id, png_id))
    csv.write_text('\n'.join(lines) + '\n')
    line = one_error_line(
        run_python(TOOLS / 'visualize.py', tmp_path, '--ann', csv, '--out-dir',
                   tmp_path / 'drawn'),
        alone=True)
    assert f'{image_id} and {png_id} would both write' in line
    assert not (tmp_path / 'drawn').exists()


def test_visualize_draws_a_point_far_off_the_image(tmp_path):
    csv = write_split(tmp_path, ['skirt'], images_per_category=1)
    far = {ANNOTATION_HEADER.index('waistband_left'): '99999999999.5_-1e15_1'}
    pred = set_cells(csv, 1, far, tmp_path / 'pred.csv')
    run_checked(TOOLS / 'visualize.py', tmp_path, '--pred', pred, '--sheet',
                tmp_path / 'sheet.png')
    assert cv2.imread(str(tmp_path / 'sheet.png')) is not None
    bad_header = tmp_path / 'header.csv'
    bad_header.write_text('image_id,category\n')
    assert 'line 1' in one_error_line(
        run_python(TOOLS / 'visualize.py', tmp_path, '--ann', bad_header,
                   '--sheet', tmp_path / 'never.png'),
        alone=True)


# Text that breaks parsers


def test_a_cell_over_the_csv_field_limit_is_located(tmp_path):
    answers = write_split(tmp_path, ['skirt'], images_per_category=2)
    lines = answers.read_text().splitlines()
    lines[2] = lines[2] + '"' + 'x' * 200_000 + '"'
    bad = tmp_path / 'long.csv'
    bad.write_text('\n'.join(lines) + '\n')
    line = one_error_line(
        run_python(TOOLS / 'evaluate.py', answers, bad), alone=True)
    assert f'{bad}, line 3: unreadable CSV' in line


def test_deep_json_and_out_of_range_results(tmp_path):
    answers = write_split(tmp_path, ['skirt'], images_per_category=2)
    deep = tmp_path / 'deep.json'
    deep.write_text('[' * 100_000 + ']' * 100_000)
    for value in ('NaN', '-5', '1e300'):
        results = tmp_path / f'results_{value}.json'
        results.write_text('{"NE/skirt": %s}' % value)
        line = one_error_line(
            run_python(TOOLS / 'select_models.py', answers, '--model',
                       f'x={results}'),
            alone=True)
        assert '(NE/skirt): expected a finite NE in [0, 10000]' in line
    line = one_error_line(
        run_python(TOOLS / 'select_models.py', answers, '--model',
                   f'x={deep}'),
        alone=True)
    assert 'not the JSON of tools/evaluate.py' in line
    from fashionai_core.detections import DetectionFileError, best_boxes
    with pytest.raises(DetectionFileError, match='nested too deeply'):
        best_boxes(deep)


def test_a_dollar_in_an_image_id_is_plotted_as_text(tmp_path):
    answers = write_split(tmp_path, ['skirt'], images_per_category=2)
    text = answers.read_text().replace('Images/skirt/skirt_0_0000',
                                       'Images/skirt/$x^2$_0000')
    answers.write_text(text)
    run_checked(TOOLS / 'evaluate.py', answers, answers, '--plot',
                tmp_path / 'plot.png')
    assert cv2.imread(str(tmp_path / 'plot.png')) is not None


# Images: the size that decodes, and a limit before decoding


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims ``width`` x ``height``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + kind + data + struct.pack(
            '>I',
            zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) +
                     chunk(b'IDAT', zlib.compress(b'')) + chunk(b'IEND', b''))
    return path


def jpeg_claiming(path: Path, width: int, height: int) -> Path:
    """A small real JPEG whose frame header is rewritten to claim more."""
    ok, encoded = cv2.imencode('.jpg', np.zeros((16, 16, 3), np.uint8))
    data = bytearray(encoded.tobytes())
    sof = data.index(b'\xff\xc0')
    data[sof + 5:sof + 9] = struct.pack('>HH', height, width)
    path.write_bytes(bytes(data))
    return path


def test_images_over_the_pixel_limit_are_refused_before_decoding(
        tmp_path, monkeypatch):
    bomb = png_claiming(tmp_path / 'bomb.png', 20000, 20000)
    assert bomb.stat().st_size < 100
    with pytest.raises(FashionAIImageError, match='megapixels'):
        image_size(str(bomb))
    big = jpeg_claiming(tmp_path / 'big.jpg', 12000, 12000)
    with pytest.raises(
            FashionAIImageError,
            match='12000x12000 pixels, over the 50-megapixel'):
        read_image(str(big))
    # the limit is a setting
    monkeypatch.setenv('FASHIONAI_MAX_IMAGE_PIXELS', str(200 * 10**6))
    assert image_size(str(big)) == (12000, 12000)
    monkeypatch.setenv('FASHIONAI_MAX_IMAGE_PIXELS', '200')
    with pytest.raises(FashionAIImageError, match='0.0002-megapixel'):
        image_size(str(png_claiming(tmp_path / 'small.png', 20, 20)))


def test_the_dataset_skips_a_bomb_when_training(tmp_path):
    from fashionai_dataset.datasets import FashionAIDataset
    csv = write_split(tmp_path, ['skirt'], images_per_category=3)
    (first, ) = read_fashionai_csv(csv).image_ids[:1]
    png_claiming(tmp_path / 'bomb.png', 20000, 20000)
    (tmp_path / first).write_bytes((tmp_path / 'bomb.png').read_bytes())
    dataset = FashionAIDataset(
        ann_file=str(csv),
        category='skirt',
        data_root=str(tmp_path),
        data_prefix=dict(img=''),
        pipeline=[])
    assert len(dataset) == 2


# Garbage out is not a result


def test_non_finite_predictions_are_not_written(tmp_path):
    csv = write_split(tmp_path, ['skirt', 'blouse'], images_per_category=1)
    records = read_fashionai_csv(csv)
    points = np.zeros((2, 24, 2))
    points[1, 0] = np.nan  # a blouse point
    with pytest.raises(
            ValueError,
            match='1 images got NaN or infinite '
            'points from their blouse model, first Images/blouse'):
        with_predictions(records, points)


def test_a_checkpoint_with_nan_weights_is_refused(tmp_path):
    _, checkpoint = tiny_rtmpose_checkpoint(tmp_path)
    state = torch.load(checkpoint, weights_only=True)
    head = [k for k in state['state_dict'] if k.startswith('head.')][-1]
    state['state_dict'][head].fill_(float('nan'))
    torch.save(state, checkpoint)
    write_split(tmp_path / 'test', ['skirt'], images_per_category=1)
    for args in ([
            TOOLS / 'predict.py', tmp_path / 'test/Annotations/train.csv',
            tmp_path / 'test', tmp_path / 'out.csv', '--model',
            f'all={checkpoint}'
    ], [
            TOOLS / 'infer.py', tmp_path / 'test', '--category', 'skirt',
            '--model', checkpoint, '--out-dir', tmp_path / 'infer'
    ]):
        line = one_error_line(run_python(*args), alone=True)
        assert f'{checkpoint}: ' in line and f'of {head} are NaN' in line
    assert not (tmp_path / 'out.csv').exists()
    assert not (tmp_path / 'infer').exists()


def test_an_edited_stored_metainfo_is_refused_even_with_config(tmp_path):
    """infer.py used a checkpoint's dataset_meta even with --config: swapped
    names swapped neckline_left and neckline_right in its JSON."""
    config, checkpoint = tiny_rtmpose_checkpoint(tmp_path)
    state = torch.load(checkpoint, weights_only=True)
    names = state['meta']['dataset_meta']['keypoint_id2name']
    names[0], names[1] = names[1], names[0]
    torch.save(state, checkpoint)
    write_split(tmp_path / 'images', ['skirt'], images_per_category=1)
    line = one_error_line(
        run_python(TOOLS / 'infer.py', tmp_path / 'images', '--category',
                   'skirt', '--model', checkpoint, '--config', config,
                   '--out-dir', tmp_path / 'infer'),
        alone=True)
    assert 'its stored dataset_meta differs from the config\'s keypoints ' \
        'in the keypoint names' in line
    assert not (tmp_path / 'infer').exists()


def test_detections_json_survives_any_bytes(tmp_path):
    from fashionai_core.detections import DetectionFileError, best_boxes
    path = tmp_path / 'det.json'
    for content in (b'\xff\xfe\x00', b'[{"image_id": "a", "category": '
                    b'"skirt", "bbox": [1e400, 0, 1, 1], "score": 1}]'):
        path.write_bytes(content)
        with pytest.raises(DetectionFileError):
            best_boxes(path)
