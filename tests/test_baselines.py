import numpy as np

from fashionai_core.baselines import constant_predictions, mean_layouts
from fashionai_core.csv_io import records_from_rows
from fashionai_core.keypoints import CATEGORIES, KEYPOINT_NAMES

SKIRT = CATEGORIES.index('skirt')
HEM_L = KEYPOINT_NAMES.index('hemline_left')
WAIST_L = KEYPOINT_NAMES.index('waistband_left')


def skirt_row(waist_left, hem_left_v=1):
    cells = ['-1_-1_-1'] * 24
    cells[WAIST_L] = f'{waist_left[0]}_{waist_left[1]}_1'
    cells[WAIST_L + 1] = '300_50_0'
    cells[HEM_L] = f'90_400_{hem_left_v}' if hem_left_v >= 0 else '-1_-1_-1'
    cells[HEM_L + 1] = '320_410_1'
    return ['Images/skirt/x.jpg', 'skirt'] + cells


def test_mean_over_annotated_points_only():
    records = records_from_rows(
        [skirt_row((100, 40)),
         skirt_row((200, 60), hem_left_v=-1)])
    layouts = mean_layouts(records)
    assert layouts[SKIRT, WAIST_L].tolist() == [150, 50]
    assert layouts[SKIRT, HEM_L].tolist() == [90, 400]  # one annotation
    assert np.isnan(layouts[SKIRT, 0]).all()  # not a skirt point
    assert np.isnan(layouts[CATEGORIES.index('blouse')]).all()


def test_every_image_of_a_category_gets_the_same_layout():
    records = records_from_rows([skirt_row((100, 40)), skirt_row((200, 60))])
    predictions = constant_predictions(mean_layouts(records), records)
    np.testing.assert_array_equal(predictions[0], predictions[1])
    assert predictions[0, WAIST_L].tolist() == [150, 50]
