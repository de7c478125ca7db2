"""SubpixelSimCCLabel and FlipAlignedRTMCCHead: a perfect SimCC network
stays perfect through encoding, decoding and the flip test."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.structures import PoseDataSample
from test_transforms import MIRROR

from fashionai_core.keypoints import CATEGORY_KEYPOINTS
from fashionai_dataset.metainfo import fashionai_metainfo
from fashionai_dataset.models import shift_bins_left
from fashionai_deploy.decoding import refine_simcc_parabola
from fixtures import CONFIG_DIR

CODEC = dict(
    type='SubpixelSimCCLabel',
    input_size=(256, 256),
    sigma=(5.66, 5.66),
    simcc_split_ratio=2.0)


def random_points(rng, count, size=256):
    return rng.uniform(10, size - 10, (1, count, 2))


def round_trip(codec_cfg, points):
    codec = KEYPOINT_CODECS.build(codec_cfg)
    encoded = codec.encode(points, np.ones(points.shape[:2]))
    decoded, _ = codec.decode(encoded['keypoint_x_labels'],
                              encoded['keypoint_y_labels'])
    return decoded


def test_subpixel_codec_round_trip_is_exact_where_simcc_rounds():
    points = random_points(np.random.default_rng(0), 200)
    exact = np.abs(round_trip(CODEC, points) - points).max()
    rounded = np.abs(
        round_trip(dict(CODEC, type='SimCCLabel'), points) - points).max()
    assert exact < 0.005  # input pixels
    assert rounded > 0.2  # MMPose's: up to half a bin, a quarter pixel


@pytest.mark.parametrize('ratio', [1.0, 2.0, 3.0])
def test_subpixel_decoder_ignores_offset_and_scale(ratio):
    """KLDiscretLoss fixes the output only up to an offset and a scale;
    the decoded point must not depend on either."""
    codec = KEYPOINT_CODECS.build(
        dict(CODEC, simcc_split_ratio=ratio, sigma=(2.83, 2.83)))
    points = random_points(np.random.default_rng(1), 24)
    encoded = codec.encode(points, np.ones((1, 24)))
    x, y = encoded['keypoint_x_labels'], encoded['keypoint_y_labels']
    plain, _ = codec.decode(x, y)
    shifted, _ = codec.decode(3.0 * x + 0.5, 3.0 * y + 0.5)
    np.testing.assert_allclose(plain, points, atol=0.01)
    np.testing.assert_allclose(shifted, plain, atol=1e-4)


def test_parabola_finds_the_vertex_in_every_bin():
    """A parabola sampled at the bins is refined to its vertex wherever the
    peak bin has two neighbours, the first and last bins included; a peak
    in the end bins, or not found (-1), stays where it is."""
    bins = 16
    vertices = np.arange(bins)[:, None] + np.array([-0.3, 0., 0.4])
    vertices = np.clip(vertices, 0, bins - 1).reshape(1, -1)
    vectors = -(np.arange(bins) - vertices[..., None])**2
    peaks = np.argmax(vectors, axis=-1).astype(np.float32)
    refined = refine_simcc_parabola(vectors, peaks)
    inner = (peaks >= 1) & (peaks <= bins - 2)
    assert inner.sum() == 3 * (bins - 2)
    np.testing.assert_allclose(refined[inner], vertices[inner], atol=1e-9)
    np.testing.assert_array_equal(refined[~inner], peaks[~inner])
    missing = refine_simcc_parabola(vectors[:, :2], np.full((1, 2), -1.))
    np.testing.assert_array_equal(missing, [[-1., -1.]])
    two_bins = refine_simcc_parabola(np.ones((1, 2, 2)), np.array([[0, 1.]]))
    np.testing.assert_array_equal(two_bins, [[0., 1.]])


def test_subpixel_codec_refuses_what_it_does_not_do():
    with pytest.raises(ValueError, match='use_dark'):
        KEYPOINT_CODECS.build(dict(CODEC, use_dark=True))
    with pytest.raises(ValueError, match='gaussian'):
        KEYPOINT_CODECS.build(dict(CODEC, smoothing_type='standard'))


def test_shift_bins_left():
    vectors = torch.arange(6.).reshape(1, 1, 6)
    assert shift_bins_left(vectors, 1.0).tolist() == [[[1, 2, 3, 4, 5, 5]]]
    assert shift_bins_left(vectors,
                           0.5).tolist() == [[[0.5, 1.5, 2.5, 3.5, 4.5, 5]]]
    assert torch.equal(shift_bins_left(vectors, 0.0), vectors)


def oracle_simcc(codec, layout, names):
    """SimCC labels of a perfect garment model: every point at the one of
    its pair on the matching side of the image (left: smaller x), as
    annotators label mirrored photos."""
    placed = []
    for k, name in enumerate(names):
        twin = names.index(MIRROR.get(name, name))
        pair = sorted([layout[k], layout[twin]], key=lambda p: p[0])
        placed.append(pair[0] if '_left' in name else pair[-1] if '_right' in
                      name else layout[k])
    encoded = codec.encode(np.array([placed]), np.ones((1, len(names))))
    return (torch.from_numpy(encoded['keypoint_x_labels']),
            torch.from_numpy(encoded['keypoint_y_labels']))


@pytest.mark.parametrize(
    'category', ['blouse', 'outwear', 'dress', 'skirt', 'trousers', 'all'])
def test_flip_test_keeps_a_perfect_simcc_model_perfect(category):
    """With the shipped RTMPose config's codec and head, the flip test of a
    perfect model returns the truth. MMPose's RTMCCHead puts the mirrored
    prediction (ratio - 1) bins right: a quarter pixel at ratio 2. With
    wrong pairs (none swapped) left and right points would merge."""
    name = 'rtmpose_m_all' if category == 'all' else f'rtmpose_m_{category}'
    cfg = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    head_cfg = cfg.model.head
    codec = KEYPOINT_CODECS.build(head_cfg.decoder)
    size = codec.input_size[0]
    names = list(CATEGORY_KEYPOINTS[category])
    meta = parse_pose_metainfo(fashionai_metainfo(category))
    rng = np.random.default_rng(0)
    layout = rng.uniform(8, size - 8, (len(names), 2))
    for k, name in enumerate(names):  # left points on the left
        if '_left' in name:
            layout[k, 0] = rng.uniform(8, size / 2 - 8)
        elif '_right' in name:
            layout[k, 0] = rng.uniform(size / 2 + 8, size - 8)
    mirrored = layout.copy()
    mirrored[:, 0] = size - 1 - layout[:, 0]
    mirrored_named = np.array(
        [mirrored[names.index(MIRROR.get(n, n))] for n in names])

    def predict(head_type, flip_indices):
        head = MODELS.build(
            dict(
                head_cfg.to_dict(),
                type=head_type,
                in_channels=8,
                out_channels=len(names)))
        calls = iter([
            oracle_simcc(codec, layout, names),
            oracle_simcc(codec, mirrored_named, names)
        ])
        head.forward = lambda feats: next(calls)
        sample = PoseDataSample(metainfo=dict(flip_indices=flip_indices))
        sample.gt_instances = InstanceData()
        (pred, ) = head.predict([torch.zeros(1),
                                 torch.zeros(1)], [sample], cfg.model.test_cfg)
        return pred.keypoints[0]

    aligned = predict(head_cfg.type, meta['flip_indices'])
    np.testing.assert_allclose(aligned, layout, atol=0.01)
    mmpose = predict('RTMCCHead', meta['flip_indices'])
    np.testing.assert_allclose(
        mmpose[:, 0] - layout[:, 0], 0.25, atol=0.01)  # MMPose's bias
    unswapped = predict(head_cfg.type, list(range(len(names))))
    paired = [k for k, n in enumerate(names) if n in MIRROR]
    assert np.abs(unswapped[paired] - layout[paired]).max() > 8
