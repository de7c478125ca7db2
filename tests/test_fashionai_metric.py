import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import METRICS

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.keypoints import KEYPOINT_NAMES, category_keypoint_indices
from fashionai_dataset.metainfo import fashionai_metainfo


def data_sample(row_index, category, gt, vis, pred_local):
    """What MMEngine's evaluator hands a metric: a PoseDataSample as dict."""
    return dict(
        raw_ann_info=dict(
            row_index=row_index,
            image_id=f'Images/{category}/{row_index}.jpg',
            image_category=category,
            keypoints=gt,
            visibility=vis),
        pred_instances=dict(keypoints=pred_local[None]))


def skirt_samples(offset):
    """Two skirts with waistband 100 px wide; predictions off by offset."""
    samples = []
    columns = category_keypoint_indices('skirt')
    for row in (1, 0):  # out of order, as several ranks may return them
        gt = np.zeros((24, 2), dtype=np.float32)
        vis = np.full(24, -1, dtype=np.int8)
        gt[columns] = [(100, 50), (200, 50), (90, 300), (210, 300)]
        vis[columns] = [1, 1, 0, 1]
        pred = gt[columns] + np.array(offset, dtype=np.float32)
        samples.append(data_sample(row, 'skirt', gt, vis, pred))
    return samples


def build_metric(category, **kwargs):
    metric = METRICS.build(dict(type='FashionAIMetric', **kwargs))
    metric.dataset_meta = parse_pose_metainfo(fashionai_metainfo(category))
    return metric


def test_metric_reports_ne_with_prefix():
    metric = build_metric('skirt')
    metric.process({}, skirt_samples(offset=(3, 4)))
    results = metric.evaluate(size=2)
    assert results['fashionai/NE'] == pytest.approx(5.0)
    assert results['fashionai/NE/skirt'] == pytest.approx(5.0)
    assert results['fashionai/NE/waistband_left'] == pytest.approx(5.0)
    assert 'fashionai/NE/hemline_left' not in results  # occluded
    assert results['fashionai/num_points'] == 6
    assert results['fashionai/num_images_without_normalizer'] == 0


def test_all_category_model_outputs_24_points():
    metric = build_metric('all')
    samples = skirt_samples(offset=(0, 0))
    for sample in samples:
        pred24 = np.full((24, 2), 1000.0)  # junk for points skirts lack
        pred24[category_keypoint_indices(
            'skirt')] = sample['pred_instances']['keypoints'][0]
        sample['pred_instances']['keypoints'] = pred24[None]
    metric.process({}, samples)
    assert metric.evaluate(size=2)['fashionai/NE'] == pytest.approx(0.0)


def test_outfile_is_a_submission_in_file_order(tmp_path):
    outfile = tmp_path / 'pred.csv'
    metric = build_metric('skirt', outfile=str(outfile))
    metric.process({}, skirt_samples(offset=(0.25, 0)))
    metric.evaluate(size=2)
    written = read_fashionai_csv(outfile, allow_decimal=True)
    assert written.image_ids == ['Images/skirt/0.jpg', 'Images/skirt/1.jpg']
    assert written.keypoints[
        0, KEYPOINT_NAMES.index('waistband_left')].tolist() == [100.25, 50.0]
    # hemline_left is occluded in the ground truth but still predicted
    assert written.visibility[0, KEYPOINT_NAMES.index('hemline_left')] == 1
    assert written.visibility[0, 0] == -1


def test_format_only_needs_no_ground_truth(tmp_path):
    outfile = tmp_path / 'pred.csv'
    metric = build_metric('skirt', outfile=str(outfile), format_only=True)
    samples = skirt_samples(offset=(0, 0))
    for sample in samples:
        del sample['raw_ann_info']['keypoints']
        del sample['raw_ann_info']['visibility']
    metric.process({}, samples)
    assert metric.evaluate(size=2) == {}
    assert len(read_fashionai_csv(outfile, allow_decimal=True)) == 2


def test_format_only_without_outfile_is_refused():
    with pytest.raises(ValueError, match='format_only=True needs an'):
        METRICS.build(dict(type='FashionAIMetric', format_only=True))
