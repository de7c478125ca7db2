import pytest

from fashionai_dataset.config_utils import (drop_steps, pipeline_for_codec,
                                            update_step)

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
