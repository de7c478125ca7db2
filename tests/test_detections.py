"""Detection files, keypoint datasets on detector boxes, and the lost-point
count against MMPose's own crop."""
import json

import numpy as np
import pytest
from mmcv.transforms import Compose

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.detections import (DetectionFileError, best_boxes,
                                       box_in_image, count_without_box,
                                       detection_entries, write_detections)
from fashionai_dataset.datasets import FashionAIDataset
from projects.garment_detector.evaluation import lost_point_rates
from fixtures import REPO_ROOT, run_python, write_split


def write_json(path, value):
    path.write_text(json.dumps(value))
    return path


def test_best_box_per_image_and_category(tmp_path):
    entries = detection_entries('a.jpg', np.array([[10, 20, 50, 80]] * 3),
                                np.array([0.5, 0.9, 0.7]),
                                ['blouse', 'blouse', 'skirt'])
    entries[1]['bbox'] = [1, 2, 3, 4]  # the best blouse box, xywh
    path = tmp_path / 'det.json'
    write_detections(path, entries)
    best = best_boxes(path)
    assert set(best) == {('a.jpg', 'blouse'), ('a.jpg', 'skirt')}
    assert best[('a.jpg', 'blouse')].bbox.tolist() == [1, 2, 4, 6]
    assert best[('a.jpg', 'blouse')].score == pytest.approx(0.9)
    assert best[('a.jpg', 'skirt')].bbox.tolist() == [10, 20, 50, 80]


def test_slivers_are_not_written_and_boxes_off_the_image_are_no_box(tmp_path):
    """A weak detector's near-zero-width boxes would round to width 0 and
    be refused by every reader; a box entirely outside its image would put
    every point on its corner."""
    entries = detection_entries(
        'a.jpg',
        np.array([[470.561, 469.28, 470.564, 469.35], [10, 10, 60, 70],
                  [200, 200, 260, 250]]), np.array([0.01, 0.9, 0.8]),
        ['blouse', 'skirt', 'dress'])
    assert [e['category'] for e in entries] == ['skirt', 'dress']
    path = tmp_path / 'det.json'
    write_detections(path, entries)
    detections = best_boxes(path)  # the file reads back
    # a 100x100 image: the dress box lies wholly outside it
    assert box_in_image(detections, 'a.jpg', 'dress', 100, 100) is None
    assert box_in_image(detections, 'a.jpg', 'skirt', 100, 100) is not None
    images = [('a.jpg', c, 100, 100) for c in ('blouse', 'skirt', 'dress')]
    assert count_without_box(detections, images) == 2


@pytest.mark.parametrize('content, message', [
    ('{"image_id": 1}', 'expected a JSON list'),
    ('[{"image_id": "a.jpg"', 'not JSON'),
    ('[3]', r'entry 1: expected an object'),
    ('[{"image_id": "a.jpg", "category": "skirt", "bbox": [0, 0, 1, 1]}]',
     "entry 1: missing field 'score'"),
    ('[{"image_id": "a.jpg", "category": "hat", "bbox": [0, 0, 1, 1], '
     '"score": 1}]', r'entry 1 \(category\)'),
    ('[{"image_id": "a.jpg", "category": "skirt", "bbox": [0, 0, 1, 1], '
     '"score": 1}, {"image_id": "a.jpg", "category": "skirt", '
     '"bbox": [0, 0, -1, 1], "score": 1}]', r'entry 2 \(bbox\)'),
    ('[{"image_id": "a.jpg", "category": "skirt", "bbox": [0, 0, 1, 1], '
     '"score": 1.5}]', r'entry 1 \(score\)')
])
def test_bad_detection_files_name_the_entry_and_field(tmp_path, content,
                                                      message):
    path = tmp_path / 'det.json'
    path.write_text(content)
    with pytest.raises(DetectionFileError, match=message) as error:
        best_boxes(path)
    assert str(path) in str(error.value)


def test_dataset_takes_each_images_best_box_of_its_category(tmp_path):
    csv = write_split(
        tmp_path, ['blouse', 'skirt'], images_per_category=3, size=(96, 80))
    records = read_fashionai_csv(csv)
    ids = records.image_ids
    detections = [
        # two blouse boxes: the better one counts, clipped to the image
        dict(
            image_id=ids[0], category='blouse', bbox=[5, 6, 40, 30],
            score=0.4),
        dict(
            image_id=ids[0],
            category='blouse',
            bbox=[-4, 10, 200, 20],
            score=0.8),
        # a skirt box in a blouse image is not the blouse's
        dict(image_id=ids[1], category='skirt', bbox=[1, 1, 9, 9], score=0.9),
        dict(
            image_id=ids[2],
            category='blouse',
            bbox=[10, 10, 20, 20],
            score=0.2),
        dict(
            image_id=ids[3], category='skirt', bbox=[0, 8, 50, 60], score=0.6),
    ]
    bbox_file = write_json(tmp_path / 'det.json', detections)
    common = dict(
        ann_file=str(csv),
        data_root=str(tmp_path),
        data_prefix=dict(img=''),
        bbox_file=str(bbox_file),
        pipeline=[])
    for test_mode in (True, False):
        dataset = FashionAIDataset(test_mode=test_mode, **common)
        boxes = {
            info['raw_ann_info']['image_id']: info['bbox'][0].tolist()
            for info in map(dataset.get_data_info, range(len(dataset)))
        }
        assert boxes[ids[0]] == [0, 10, 96, 30]
        assert boxes[ids[2]] == [10, 10, 30, 30]
        assert boxes[ids[3]] == [0, 8, 50, 68]
        for whole in (ids[1], ids[4], ids[5]):
            assert boxes[whole] == [0, 0, 96, 80]
        assert dataset.num_box_fallbacks == 3
    scored = FashionAIDataset(test_mode=True, bbox_score_thr=0.3, **common)
    assert scored.num_box_fallbacks == 4
    one_category = FashionAIDataset(test_mode=True, category='skirt', **common)
    assert one_category.num_box_fallbacks == 2
    with pytest.raises(ValueError, match='bbox_file .* gives the boxes'):
        FashionAIDataset(bbox_mode='keypoints', **common)


def crop_pipeline(padding):
    return Compose([
        dict(type='mmpose.GetBBoxCenterScale', padding=padding),
        dict(type='mmpose.TopdownAffine', input_size=(64, 64)),
    ])


@pytest.mark.parametrize('padding', [1.0, 1.1, 1.25])
def test_lost_points_are_the_points_mmposes_crop_cuts_off(tmp_path, padding):
    csv = write_split(
        tmp_path, ['dress', 'trousers'], images_per_category=6, size=(96, 80))
    records = read_fashionai_csv(csv)
    rng = np.random.default_rng(0)
    boxes, outside, annotated = [], [], []
    for row in range(len(records)):
        # boxes of several sizes and aspect ratios, some cutting points off
        x1, y1 = rng.uniform(0, 40, 2)
        box = np.array(
            [x1, y1, x1 + rng.uniform(20, 60), y1 + rng.uniform(20, 50)],
            np.float32)
        boxes.append(box)
        result = crop_pipeline(padding)(
            dict(
                img=np.zeros((80, 96, 3), np.uint8),
                bbox=box[None],
                bbox_score=np.ones(1, np.float32),
                keypoints=records.keypoints[row][None].astype(np.float32),
                keypoints_visible=np.ones((1, 24), np.float32)))
        warped = result['transformed_keypoints'][0]
        # the crop spans input pixels 0 to 64 (MMPose's classic warp)
        outside.append(((warped < 0) | (warped > 64)).any(axis=1))
        annotated.append(records.visibility[row] >= 0)
    outside, annotated = np.array(outside), np.array(annotated)
    (rates, ) = lost_point_rates(records, boxes, [(96, 80)] * len(records),
                                 [padding])
    visible = records.visibility == 1
    assert outside[visible].any()  # the case is not trivial
    assert rates['visible_lost'] == pytest.approx(outside[visible].mean())
    assert rates['images_lost'] == pytest.approx(
        (outside & annotated).any(axis=1).mean())
    # a whole-image box loses nothing
    (whole, ) = lost_point_rates(records, [None] * len(records),
                                 [(96, 80)] * len(records), [1.0])
    assert whole['visible_lost'] == 0 and whole['images_lost'] == 0


def test_lost_points_tool_names_a_bad_detection_file_in_one_line(tmp_path):
    csv = write_split(tmp_path, ['skirt'], images_per_category=2)
    bad = write_json(tmp_path / 'det.json', [{'image_id': 'a.jpg'}])
    result = run_python(
        REPO_ROOT / 'projects' / 'garment_detector' / 'tools' /
        'lost_points.py', csv, tmp_path, '--bbox-file', bad)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: {bad}, entry 1: missing field 'category'; each entry needs "
        'image_id, category, bbox, score'
    ]
