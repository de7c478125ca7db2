"""Random damage to the files a user receives: a result, or one located
error; never a traceback, never a file outside the output folder.

Hypothesis mutates a good file (replaced, inserted or deleted bytes, a cell
rewritten, a cut) and hands it to the real readers: ``tools/evaluate.py``
as a user runs it for CSVs, and the functions every tool reads detection
files, ONNX metadata and images with. The examples are few and fixed per
run (``derandomize``), so the suite stays fast and a failure repeats.
"""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fashionai_core.detections import DetectionFileError, best_boxes
from fashionai_core.image_check import (FashionAIImageError, image_size,
                                        read_image)
from fashionai_deploy.metadata import (METADATA_KEY, MetadataError,
                                       metadata_from_props)
from fixtures import TOOLS, one_error_line, run_python, write_split

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def damaged(draw, good: bytes) -> bytes:
    """``good`` with one to three random edits."""
    data = bytearray(good)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(['replace', 'insert', 'delete', 'cut']))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == 'replace':
            data[at:at + 4] = draw(st.binary(min_size=1, max_size=8))
        elif kind == 'insert':
            data[at:at] = draw(
                st.sampled_from([
                    b',', b'_', b'\n', b'"', b'\x00', b'nan', b'-1e309',
                    b'/..', b'\xff\xfe'
                ]) | st.binary(max_size=6))
        elif kind == 'delete':
            del data[at:at + draw(st.integers(1, 16))]
        else:
            del data[at:]
    return bytes(data)


@pytest.fixture(scope='module')
def answers(tmp_path_factory) -> Path:
    return write_split(
        tmp_path_factory.mktemp('fuzz') / 'val', ['blouse', 'skirt'],
        images_per_category=2)


def test_damaged_submissions_through_evaluate(answers, tmp_path_factory):
    good = answers.read_bytes()

    @FUZZ
    @given(data=damaged(good))
    def check(data):
        folder = tmp_path_factory.mktemp('case')
        prediction = folder / 'pred.csv'
        prediction.write_bytes(data)
        out = folder / 'out'
        out.mkdir()
        result = run_python(
            TOOLS / 'evaluate.py',
            answers,
            prediction,
            '--json',
            out / 'ne.json',
            ignore_warnings=False)
        assert 'Traceback' not in result.stderr, result.stderr
        if result.returncode == 0:
            assert result.stdout.startswith('NE: ')
            assert json.loads((out / 'ne.json').read_text())['NE'] >= 0
        else:
            assert one_error_line(
                result,
                alone=True).startswith(f'error: {prediction}'), result.stderr
            assert not (out / 'ne.json').exists()
        # nothing but the one output, and no temporary file left
        assert sorted(p.name for p in folder.rglob('*')) == sorted(
            ['pred.csv', 'out'] +
            (['ne.json'] if result.returncode == 0 else []))

    check()


GOOD_DETECTIONS = json.dumps([
    dict(
        image_id='Images/blouse/a.jpg',
        category='blouse',
        bbox=[1.5, 2, 30, 40],
        score=0.9),
    dict(
        image_id='Images/skirt/b.jpg',
        category='skirt',
        bbox=[0, 0, 10, 10],
        score=0.2)
]).encode()


@FUZZ
@given(data=damaged(GOOD_DETECTIONS))
def test_damaged_detection_files(tmp_path_factory, data):
    path = tmp_path_factory.mktemp('det') / 'det.json'
    path.write_bytes(data)
    try:
        boxes = best_boxes(path)
    except DetectionFileError as error:
        assert str(error).startswith(str(path)) and '\n' not in str(error)
        return
    for box in boxes.values():
        assert np.isfinite(box.bbox).all() and 0 <= box.score <= 1


GOOD_METADATA = json.dumps(
    dict(
        format_version=1,
        category='skirt',
        keypoint_names=[
            'waistband_left', 'waistband_right', 'hemline_left',
            'hemline_right'
        ],
        flip_indices=[1, 0, 3, 2],
        input_size=[64, 64],
        bbox_padding=1.25,
        use_udp=True,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        codec=dict(
            type='UDPHeatmap',
            input_size=[64, 64],
            heatmap_size=[16, 16],
            blur_kernel_size=11),
        flip_test=dict(enabled=True, shift_heatmap=False, simcc_x_shift=0.0),
        outputs=['heatmaps'])).encode()


def test_the_good_metadata_is_good():
    metadata_from_props({METADATA_KEY: GOOD_METADATA.decode()}, 'x.onnx')


@FUZZ
@given(data=damaged(GOOD_METADATA))
def test_damaged_onnx_metadata(data):
    text = data.decode('utf-8', errors='replace')
    try:
        metadata_from_props({METADATA_KEY: text}, 'x.onnx')
    except MetadataError as error:
        assert str(error).startswith('x.onnx: ') and '\n' not in str(error)


@pytest.fixture(scope='module')
def good_images():
    picture = np.zeros((48, 64, 3), np.uint8)
    cv2.circle(picture, (20, 20), 9, (40, 200, 90), -1)
    return {
        ext: cv2.imencode(ext, picture)[1].tobytes()
        for ext in ('.jpg', '.png')
    }


@pytest.mark.parametrize('ext', ['.jpg', '.png'])
def test_damaged_images(good_images, tmp_path_factory, ext):

    @FUZZ
    @given(data=damaged(good_images[ext]))
    def check(data):
        path = tmp_path_factory.mktemp('img') / f'image{ext}'
        path.write_bytes(data)
        try:
            width, height = image_size(str(path))
            image = read_image(str(path))
        except FashionAIImageError as error:
            assert str(path) in str(error) and '\n' not in str(error)
            return
        # what the header says is what decodes
        assert image.shape[:2] == (height, width)

    check()
