"""Augmentation transforms and the flip test, on real pipelines and heads."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS, TRANSFORMS
from mmpose.structures import PoseDataSample

from fashionai_core.keypoints import CATEGORY_KEYPOINTS
from fashionai_dataset.metainfo import fashionai_metainfo
from fixtures import CONFIG_DIR, REPO_ROOT

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
    # the same along y: above, inside, below the input
    results = dict(
        transformed_keypoints=np.array([[[10, -0.5], [10, 63], [10, 63.5]]],
                                       dtype=np.float32),
        keypoints_visible=np.array([[1, 1, 1]], dtype=np.float32),
        input_size=(64, 48))
    out = TRANSFORMS.build(dict(type='ZeroWeightOutsideInput'))(results)
    assert out['keypoints_visible'].tolist() == [[0, 0, 0]]
    results['transformed_keypoints'][0, 1, 1] = 47
    results['keypoints_visible'] = np.ones((1, 3), np.float32)
    out = TRANSFORMS.build(dict(type='ZeroWeightOutsideInput'))(results)
    assert out['keypoints_visible'].tolist() == [[0, 1, 0]]


def training_configs():
    """The pose configs (the rtmdet_ detector configs train no heatmaps)."""
    root = CONFIG_DIR
    paths = list(root.glob('*.py')) + list(
        (REPO_ROOT / 'projects').glob('*/configs/*.py'))
    return sorted(p for p in paths if not p.name.startswith('rtmdet_'))


@pytest.mark.parametrize('path', training_configs(), ids=lambda p: p.stem)
def test_zero_weight_sits_between_the_warp_and_the_target(path):
    """Where it runs decides what it sees: after TopdownAffine (the points
    in input pixels) and before GenerateTarget (which reads the weights)."""
    steps = [s.type for s in Config.fromfile(str(path)).train_pipeline]
    zero = steps.index('ZeroWeightOutsideInput')
    assert steps.index('TopdownAffine') < zero < steps.index('GenerateTarget')


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


# The competition's flip pairs, written out from its data description
# rather than derived by the code under test.
FLIP_PAIRS = (('neckline_left', 'neckline_right'),
              ('shoulder_left', 'shoulder_right'), ('armpit_left',
                                                    'armpit_right'),
              ('waistline_left', 'waistline_right'), ('cuff_left_in',
                                                      'cuff_right_in'),
              ('cuff_left_out', 'cuff_right_out'), ('top_hem_left',
                                                    'top_hem_right'),
              ('waistband_left', 'waistband_right'), ('hemline_left',
                                                      'hemline_right'),
              ('bottom_left_in', 'bottom_right_in'), ('bottom_left_out',
                                                      'bottom_right_out'))
MIRROR = {a: b for pair in FLIP_PAIRS for a, b in (pair, pair[::-1])}


def oracle_heatmaps(layouts, names, size, sigma):
    """Heatmaps of a perfect garment model: for every point, a Gaussian at
    the one of its pair that lies on the matching side of the image (left
    points: the smaller x), as annotators label mirrored photos."""
    ys, xs = np.mgrid[0:size, 0:size]
    maps = np.zeros((len(layouts), len(names), size, size), np.float32)
    for n, layout in enumerate(layouts):
        for k, name in enumerate(names):
            twin = names.index(MIRROR.get(name, name))
            pair = sorted([layout[k], layout[twin]], key=lambda p: p[0])
            x, y = (
                pair[0] if '_left' in name else
                pair[-1] if '_right' in name else layout[k])
            maps[n, k] = np.exp(-((xs - x)**2 + (ys - y)**2) / (2 * sigma**2))
    return torch.from_numpy(maps)


@pytest.mark.parametrize(
    'category', ['blouse', 'outwear', 'dress', 'skirt', 'trousers', 'all'])
def test_flip_test_keeps_a_perfect_model_perfect(category):
    """Flip test, with the shipped config's settings and codec, averages the
    prediction on the image with the mirrored prediction on the mirrored
    image, swapping left/right channels with the metainfo's flip pairs. For
    a perfect model the result is the truth; with wrong pairs (none
    swapped) the left and right points would merge."""
    cfg = Config.fromfile(str(CONFIG_DIR / f'hrnet_w32_{category}.py'))
    codec = cfg.model.head.decoder
    size = codec.heatmap_size[0]
    names = list(CATEGORY_KEYPOINTS[category])
    meta = parse_pose_metainfo(fashionai_metainfo(category))
    assert [names[i] for i in meta['flip_indices']
            ] == [MIRROR.get(n, n) for n in names]
    rng = np.random.default_rng(0)
    layout = rng.integers(4, size - 4, (len(names), 2)).astype(float)
    for k, name in enumerate(names):  # left points on the left
        if '_left' in name:
            layout[k, 0] = rng.integers(4, size // 2 - 4)
        elif '_right' in name:
            layout[k, 0] = rng.integers(size // 2 + 4, size - 4)
    mirrored = layout.copy()
    mirrored[:, 0] = size - 1 - layout[:, 0]
    # the heatmap of the mirrored image: position by side, names by side
    mirrored_named = np.array(
        [mirrored[names.index(MIRROR.get(n, n))] for n in names])

    def predict(flip_indices):
        head = MODELS.build(
            dict(
                type='HeatmapHead',
                in_channels=1,
                out_channels=len(names),
                deconv_out_channels=None,
                decoder=codec))
        calls = iter([
            oracle_heatmaps([layout], names, size, codec.sigma),
            oracle_heatmaps([mirrored_named], names, size, codec.sigma)
        ])
        head.forward = lambda feats: next(calls)
        sample = PoseDataSample(metainfo=dict(flip_indices=flip_indices))
        sample.gt_instances = InstanceData()
        (pred, ) = head.predict([torch.zeros(1),
                                 torch.zeros(1)], [sample], cfg.model.test_cfg)
        return pred.keypoints[0]

    # UDP decoding maps heatmap cell x to x / (size - 1) * input pixels;
    # its blur-and-refine step leaves under 0.05 input pixel (0.02% NE)
    expected = layout / (size - 1) * codec.input_size[0]
    np.testing.assert_allclose(
        predict(meta['flip_indices']), expected, atol=0.05)
    unswapped = predict(list(range(len(names))))
    paired = [k for k, n in enumerate(names) if n in MIRROR]
    assert np.abs(unswapped[paired] - expected[paired]).max() > 8
