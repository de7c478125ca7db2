"""The one helper config files use.

MMEngine evaluates each config file once, so a pipeline built in a ``_base_``
file keeps the codec it saw there. A config that changes the codec or input
size writes the new codec out and rebuilds its pipelines with
:func:`pipeline_for_codec`, then hands them to the dataloaders again
(forgetting either silently trains with the old one)::

    codec = dict(type='UDPHeatmap', input_size=(384, 384),
                 heatmap_size=(96, 96), sigma=3)
    model = dict(head=dict(decoder=codec))
    train_pipeline = pipeline_for_codec(_base_.train_pipeline, codec)
    train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
"""
from typing import Dict, List, Sequence


def pipeline_for_codec(pipeline: Sequence[Dict], codec: Dict) -> List[Dict]:
    """Return ``pipeline`` with the input size and target encoder of ``codec``.

    ``TopdownAffine`` gets ``input_size=codec['input_size']`` and
    ``use_udp`` (true for ``UDPHeatmap``, whose unbiased coordinates the
    affine must match) and ``GenerateTarget`` gets ``encoder=codec``, also
    inside a ``TestTimeAug`` step's views; other steps are kept as they
    are. The input is not modified.

    Args:
        pipeline: A list of transform configs.
        codec: A codec config with ``input_size``.
    """
    steps = []
    for step in pipeline:
        if step['type'] == 'TestTimeAug':
            step = dict(
                step,
                transforms=[
                    pipeline_for_codec(views, codec)
                    for views in step['transforms']
                ])
        elif step['type'] == 'TopdownAffine':
            step = dict(
                step,
                input_size=codec['input_size'],
                use_udp=codec['type'] == 'UDPHeatmap')
        elif step['type'] == 'GenerateTarget':
            step = dict(step, encoder=codec)
        steps.append(dict(step))
    return steps
