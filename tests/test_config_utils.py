import pytest
from mmengine.config import Config

from fixtures import REPO_ROOT
from fashionai_dataset.config_utils import (at_input_size, drop_steps,
                                            pipeline_for_codec, update_step)

PIPELINE = [
    dict(type='LoadImage'),
    dict(type='TopdownAffine', input_size=(256, 256), use_udp=True),
    dict(type='GenerateTarget', encoder=dict(type='Old')),
    dict(type='PackPoseInputs')
]


def test_pipeline_for_codec():
    codec = dict(type='MSRAHeatmap', input_size=(96, 96))
    steps = pipeline_for_codec(PIPELINE, codec)
    # the affine follows the codec: UDP coordinates only for UDPHeatmap
    assert steps[1] == dict(
        type='TopdownAffine', input_size=(96, 96), use_udp=False)
    udp = pipeline_for_codec(PIPELINE, dict(type='UDPHeatmap',
                                             input_size=(64, 64)))
    assert udp[1]['use_udp'] is True
    assert steps[2]['encoder'] is codec
    assert steps[0] == PIPELINE[0] and steps[0] is not PIPELINE[0]
    assert PIPELINE[1]['input_size'] == (256, 256)  # input untouched


def test_update_step():
    steps = update_step(PIPELINE, 'TopdownAffine', use_udp=False)
    assert steps[1]['use_udp'] is False and PIPELINE[1]['use_udp'] is True
    with pytest.raises(KeyError, match='no RandomFlip step'):
        update_step(PIPELINE, 'RandomFlip', direction='vertical')


def test_drop_steps():
    steps = drop_steps(PIPELINE, 'GenerateTarget', 'LoadImage')
    assert [s['type'] for s in steps] == ['TopdownAffine', 'PackPoseInputs']
    with pytest.raises(KeyError, match='no RandomBlur step'):
        drop_steps(PIPELINE, 'RandomBlur')


def test_at_input_size_scales_heatmap_codecs_from_their_own_sigma():
    demo = Config.fromfile(
        REPO_ROOT / 'configs' / 'fashionai' / 'res18_all_128_demo.py')
    codec, model, train, val, test = at_input_size(demo, 192)
    assert codec == dict(demo.codec, input_size=(192, 192),
                         heatmap_size=(48, 48), sigma=1.5 * 192 / 128)
    assert model['head']['decoder'] is codec
    for loader in (train, val, test):
        affine = [s for s in loader['dataset']['pipeline']
                  if s['type'] == 'TopdownAffine']
        assert affine[0]['input_size'] == (192, 192)
    # at the config's own size nothing changes
    assert at_input_size(demo, 128)[0] == demo.codec


def test_at_input_size_keeps_a_regression_codec_without_heatmaps():
    regression = Config.fromfile(
        REPO_ROOT / 'projects' / 'regression_baseline' / 'configs' /
        'deeppose_res50_blouse.py')
    codec = at_input_size(regression, 384)[0]
    assert codec == dict(type='RegressionLabel', input_size=(384, 384))
