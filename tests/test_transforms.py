"""Augmentation transforms and the flip test, on real pipelines and heads."""
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS, TRANSFORMS
from mmpose.structures import PoseDataSample

from fashionai_core.keypoints import CATEGORY_KEYPOINTS, mirror_name
from fashionai_dataset.metainfo import fashionai_metainfo

UDP_64 = dict(
    type='UDPHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1)


def test_zero_weight_outside_input_unit():
    results = dict(
        transformed_keypoints=np.array([[[-0.5, 10], [10, 10], [63.5, 10],
                                         [63, 63]]],
                                       dtype=np.float32),
        keypoints_visible=np.array([[1, 1, 1, 0]], dtype=np.float32),
        input_size=(64, 64))
    out = TRANSFORMS.build(dict(type='ZeroWeightOutsideInput'))(results)
    assert out['keypoints_visible'].tolist() == [[0, 1, 0, 0]]


@pytest.mark.parametrize('with_transform', [True, False])
def test_points_pushed_off_the_input_get_zero_target_weight(with_transform):
    """The box covers the image's left part; points right of it are off the
    input. Without the transform, MMPose's encoder keeps full weight for a
    point just off the map (its Gaussian still reaches in)."""
    keypoints = np.array([[[10, 40], [60, 40], [66, 40], [90, 40]]],
                         dtype=np.float32)
    steps = [
        dict(type='GetBBoxCenterScale', padding=1.0),
        dict(type='TopdownAffine', input_size=(64, 64), use_udp=True),
    ] + ([dict(type='ZeroWeightOutsideInput')] if with_transform else []) + [
        dict(type='GenerateTarget', encoder=UDP_64),
    ]
    results = Compose(steps)(
        dict(
            img=np.zeros((96, 96, 3), np.uint8),
            bbox=np.array([[0, 8, 64, 72]], np.float32),
            keypoints=keypoints,
            keypoints_visible=np.ones((1, 4), np.float32)))
    inside = ((results['transformed_keypoints'][0, :, 0] >= 0) &
              (results['transformed_keypoints'][0, :, 0] <= 63))
    assert inside.tolist() == [True, True, False, False]
    weights = results['keypoint_weights'][0]
    if with_transform:
        assert weights.tolist() == [1, 1, 0, 0]
    else:  # the reason for the transform
        assert weights[2] == 1


def test_blur_and_noise():
    image = np.zeros((32, 32, 3), np.uint8)
    image[16, 16] = 255
    blur = TRANSFORMS.build(dict(type='RandomGaussianBlur', prob=1.0))
    blurred = blur(dict(img=image.copy()))['img']
    assert blurred.shape == image.shape and blurred.dtype == np.uint8
    assert blurred[16, 16, 0] < 255 and blurred[16, 17, 0] > 0
    noise = TRANSFORMS.build(dict(type='RandomGaussianNoise', prob=1.0))
    noisy = noise(dict(img=np.full((32, 32, 3), 128, np.uint8)))['img']
    assert noisy.dtype == np.uint8 and noisy.std() > 1
    never = TRANSFORMS.build(dict(type='RandomGaussianNoise', prob=0.0))
    np.testing.assert_array_equal(never(dict(img=image.copy()))['img'], image)
    with pytest.raises(ValueError, match='odd'):
        TRANSFORMS.build(dict(type='RandomGaussianBlur', kernel_sizes=(4, )))


def oracle_heatmaps(layouts, names, size=16, sigma=1.0):
    """Heatmaps of a perfect garment model: for every point, a Gaussian at
    the one of its pair that lies on the matching side of the image (left
    points: the smaller x), as annotators label mirrored photos."""
    ys, xs = np.mgrid[0:size, 0:size]
    maps = np.zeros((len(layouts), len(names), size, size), np.float32)
    for n, layout in enumerate(layouts):
        for k, name in enumerate(names):
            pair = [layout[k], layout[names.index(mirror_name(name))]]
            xs_pair = sorted(pair, key=lambda p: p[0])
            x, y = (
                xs_pair[0] if '_left' in name else
                xs_pair[-1] if '_right' in name else layout[k])
            maps[n, k] = np.exp(-((xs - x)**2 + (ys - y)**2) / (2 * sigma**2))
    return torch.from_numpy(maps)


@pytest.mark.parametrize('category', ['blouse', 'dress', 'trousers'])
def test_flip_test_keeps_a_perfect_model_perfect(category):
    """Flip test averages the prediction on the image with the mirrored
    prediction on the mirrored image, swapping left/right channels with the
    category's flip pairs. For a perfect model the result is the truth;
    with wrong pairs (none swapped) the left and right points would merge."""
    names = list(CATEGORY_KEYPOINTS[category])
    meta = parse_pose_metainfo(fashionai_metainfo(category))
    rng = np.random.default_rng(0)
    layout = rng.uniform(2, 13, (len(names), 2)).round()
    for k, name in enumerate(names):  # left points on the left
        if '_left' in name:
            layout[k, 0] = rng.integers(1, 6)
        elif '_right' in name:
            layout[k, 0] = rng.integers(10, 15)
    mirrored = layout.copy()
    mirrored[:, 0] = 15 - layout[:, 0]
    # the heatmap of the mirrored image: position by side, names by side
    mirrored_named = np.array(
        [mirrored[names.index(mirror_name(n))] for n in names])

    def predict(flip_indices):
        head = MODELS.build(
            dict(
                type='HeatmapHead',
                in_channels=1,
                out_channels=len(names),
                deconv_out_channels=None,
                decoder=UDP_64))
        calls = iter([
            oracle_heatmaps([layout], names),
            oracle_heatmaps([mirrored_named], names)
        ])
        head.forward = lambda feats: next(calls)
        sample = PoseDataSample(metainfo=dict(flip_indices=flip_indices))
        sample.gt_instances = InstanceData()
        (pred, ) = head.predict(
            [torch.zeros(1), torch.zeros(1)], [sample],
            dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False))
        return pred.keypoints[0]

    # UDP decoding maps heatmap cell x to x / 15 * 64 input pixels; its
    # sub-pixel refinement moves points on the map's edge by < 0.5 pixel
    expected = layout / 15 * 64
    np.testing.assert_allclose(
        predict(meta['flip_indices']), expected, atol=0.5)
    unswapped = predict(list(range(len(names))))
    paired = [k for k, n in enumerate(names) if mirror_name(n) != n]
    assert np.abs(unswapped[paired] - expected[paired]).max() > 8
