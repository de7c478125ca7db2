from fashionai_core.config_utils import pipeline_for_codec

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
    udp = pipeline_for_codec(PIPELINE,
                             dict(type='UDPHeatmap', input_size=(64, 64)))
    assert udp[1]['use_udp'] is True
    assert steps[2]['encoder'] is codec
    assert steps[0] == PIPELINE[0] and steps[0] is not PIPELINE[0]
    assert PIPELINE[1]['input_size'] == (256, 256)  # input untouched
