"""Helpers for config files.

MMEngine evaluates each config file once, so a pipeline built in a ``_base_``
file keeps the codec it saw there. A config that changes the codec or input
size rebuilds its pipelines with :func:`pipeline_for_codec` and hands them to
the dataloaders again (forgetting either silently trains with the old one).
"""
from typing import Dict, List, Sequence


def pipeline_for_codec(pipeline: Sequence[Dict], codec: Dict) -> List[Dict]:
    """Return ``pipeline`` with its input size and target encoder from ``codec``.

    ``TopdownAffine`` gets ``input_size=codec['input_size']`` and
    ``GenerateTarget`` gets ``encoder=codec``; other steps are kept as they
    are. The input is not modified.

    Args:
        pipeline: A list of transform configs.
        codec: A codec config with ``input_size``.
    """
    steps = []
    for step in pipeline:
        if step['type'] == 'TopdownAffine':
            step = dict(step, input_size=codec['input_size'])
        elif step['type'] == 'GenerateTarget':
            step = dict(step, encoder=codec)
        steps.append(dict(step))
    return steps


def update_step(pipeline: Sequence[Dict], step_type: str,
                **changes) -> List[Dict]:
    """Return ``pipeline`` with ``changes`` applied to its ``step_type`` steps.

    Raises:
        KeyError: The pipeline has no step of that type (a silent no-op
            would hide a typo).
    """
    if not any(step['type'] == step_type for step in pipeline):
        raise KeyError(f'the pipeline has no {step_type} step')
    return [
        dict(step, **changes) if step['type'] == step_type else dict(step)
        for step in pipeline
    ]
