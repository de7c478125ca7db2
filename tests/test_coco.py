"""COCO keypoints both ways: tools/dataset_converters/fashionai2coco.py and
coco2fashionai.py, as a user runs them."""
import json
import re

import pytest
from pycocotools.coco import COCO

from fashionai_core.csv_io import read_fashionai_csv
from fixtures import (TOOLS, one_error_line, run_checked, run_python,
                      set_cells, write_split)

CONVERTERS = TOOLS / 'dataset_converters'


@pytest.fixture
def labelled(tmp_path):
    csv = write_split(
        tmp_path / 'data', ['blouse', 'skirt', 'trousers'],
        images_per_category=3)
    # a point the garment has but the labeller could not place: absent
    set_cells(csv, 1, {2: '-1_-1_-1'})
    out = tmp_path / 'coco.json'
    run_checked(CONVERTERS / 'fashionai2coco.py', csv, tmp_path / 'data', out)
    return csv, out


def test_csv_to_coco_to_csv_is_exact(labelled, tmp_path):
    csv, coco = labelled
    back = tmp_path / 'back.csv'
    run_checked(CONVERTERS / 'coco2fashionai.py', coco, back)
    assert back.read_text() == csv.read_text()
    document = json.loads(coco.read_text())
    records = read_fashionai_csv(csv)
    # v 1 / 0 / -1 -> 2 / 1 / 0; sizes from the images
    assert {v
            for a in document['annotations']
            for v in a['keypoints'][2::3]} <= {0, 1, 2}
    assert (document['images'][0]['width'],
            document['images'][0]['height']) == (96, 96)
    assert [c['name'] for c in document['categories']
            ] == ['blouse', 'outwear', 'dress', 'skirt', 'trousers']
    assert len(document['annotations']) == len(records)
    assert document['annotations'][0]['keypoints'][:3] == [0, 0, 0]
    assert {1, 2} <= {
        v
        for a in document['annotations']
        for v in a['keypoints'][2::3]
    }


def test_the_json_loads_in_pycocotools_and_mmpose(labelled, tmp_path):
    _, coco = labelled
    api = COCO(str(coco))
    assert len(api.getAnnIds()) == 9 and len(api.getCatIds()) == 5
    skirt = api.loadCats([4])[0]
    assert skirt['keypoints'] == [
        'waistband_left', 'waistband_right', 'hemline_left', 'hemline_right'
    ]
    # one garment's annotations in MMPose's own COCO dataset
    document = json.loads(coco.read_text())
    document['annotations'] = [
        a for a in document['annotations'] if a['category_id'] == 4
    ]
    kept = {a['image_id'] for a in document['annotations']}
    document['images'] = [i for i in document['images'] if i['id'] in kept]
    skirts = tmp_path / 'skirts.json'
    skirts.write_text(json.dumps(document))
    from mmpose.datasets import CocoDataset

    from fashionai_dataset.metainfo import fashionai_metainfo
    dataset = CocoDataset(
        ann_file=str(skirts),
        data_root=str(tmp_path / 'data'),
        data_prefix=dict(img=''),
        metainfo=fashionai_metainfo('skirt'),
        test_mode=True,
        pipeline=[])
    assert len(dataset) == 3
    assert dataset[0]['keypoints'].shape == (1, 4, 2)


def test_points_are_mapped_by_name_whatever_the_order(labelled, tmp_path):
    csv, coco = labelled
    document = json.loads(coco.read_text())
    # a tool that lists skirt points in its own order and names
    tool_names = {
        'waistband_left': 'waist L',
        'hemline_right': 'hem R',
    }
    skirt = document['categories'][3]
    order = [3, 2, 1, 0]
    skirt['keypoints'] = [
        tool_names.get(skirt['keypoints'][i], skirt['keypoints'][i])
        for i in order
    ]
    skirt['name'] = 'mini skirt'
    for annotation in document['annotations']:
        if annotation['category_id'] == 4:
            flat = annotation['keypoints']
            annotation['keypoints'] = [
                v for i in order for v in flat[3 * i:3 * i + 3]
            ]
    shuffled = tmp_path / 'tool.json'
    shuffled.write_text(json.dumps(document))
    back = tmp_path / 'back.csv'
    run_checked(CONVERTERS / 'coco2fashionai.py', shuffled, back, '--map',
                'waist L=waistband_left', '--map', 'hem R=hemline_right',
                '--map', 'mini skirt=skirt')
    assert back.read_text() == csv.read_text()


@pytest.mark.parametrize('change, message', [
    (lambda d: d['categories'][3]['keypoints'].__setitem__(0, 'belt'),
     r"categories\[3\].keypoints\[0\]: 'belt' is not a skirt keypoint"),
    (lambda d: d['categories'][0].__setitem__('name', 'shirt'),
     r"categories\[0\].name: 'shirt' is not a FashionAI category"),
    (lambda d: d['images'].append(dict(d['images'][0], id=99)),
     r"images\[9\].file_name: .* is listed twice"),
    (lambda d: d['annotations'].append(dict(d['annotations'][0], id=99)),
     r'annotations\[9\].image_id: .* has a second annotation'),
    (lambda d: d['annotations'][1]['keypoints'].__setitem__(0, 10_000),
     r'annotations\[1\].keypoints\[0:3\]: .* is outside its 96x96 image'),
    (lambda d: d['annotations'][0]['keypoints'].__setitem__(2, 3),
     r'annotations\[0\].keypoints\[0:3\]: visibility 3'),
    (lambda d: d['images'][0].__setitem__('file_name', '../up.jpg'),
     r"images\[0\].file_name: '../up.jpg' has a \"..\" part"),
    (lambda d: d['images'][0].__setitem__('width', 'wide'),
     r'images\[0\]: width .wide.'),
])
def test_bad_coco_files_name_the_entry(labelled, tmp_path, change, message):
    _, coco = labelled
    document = json.loads(coco.read_text())
    change(document)
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(document))
    out = tmp_path / 'never.csv'
    line = one_error_line(
        run_python(CONVERTERS / 'coco2fashionai.py', bad, out), alone=True)
    assert line.startswith(f'error: {bad}, '), line
    assert re.search(message, line), line
    assert not out.exists()


def test_unreadable_inputs_are_one_line(tmp_path):
    (tmp_path / 'x.json').write_text('{"images": [')
    for args in ([
            CONVERTERS / 'coco2fashionai.py', tmp_path / 'x.json',
            tmp_path / 'o.csv'
    ], [
            CONVERTERS / 'coco2fashionai.py', tmp_path / 'none.json',
            tmp_path / 'o.csv'
    ], [
            CONVERTERS / 'fashionai2coco.py', tmp_path / 'none.csv', tmp_path,
            tmp_path / 'o.json'
    ]):
        result = run_python(*args)
        assert result.returncode == 1
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith('error: ')
