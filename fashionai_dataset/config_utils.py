"""Helpers for config files.

MMEngine evaluates each config file once, so a pipeline built in a ``_base_``
file keeps the codec it saw there. A config that changes the codec or input
size rebuilds its pipelines with :func:`pipeline_for_codec` and hands them to
the dataloaders again (forgetting either silently trains with the old one).

:func:`fast_training` returns the overrides of the fast training path.
"""
import os
from typing import Dict, List, Optional, Sequence, Tuple


def pipeline_for_codec(pipeline: Sequence[Dict], codec: Dict) -> List[Dict]:
    """Return ``pipeline`` with its input size and target encoder from ``codec``.

    ``TopdownAffine`` gets ``input_size=codec['input_size']`` and
    ``use_udp`` (true for ``UDPHeatmap``, whose unbiased coordinates the
    affine must match) and ``GenerateTarget`` gets ``encoder=codec``; other
    steps are kept as they are. The input is not modified.

    Args:
        pipeline: A list of transform configs.
        codec: A codec config with ``input_size``.
    """
    steps = []
    for step in pipeline:
        if step['type'] == 'TopdownAffine':
            step = dict(
                step,
                input_size=codec['input_size'],
                use_udp=codec['type'] == 'UDPHeatmap')
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


def _mixed_precision() -> Dict:
    """The optimizer wrapper for mixed precision on this machine.

    GPUs: MMEngine's ``AmpOptimWrapper`` in bf16 (fp16 before Ampere). No
    GPU: ``CPUAutocastOptimWrapper`` (bf16 autocast), since
    ``AmpOptimWrapper`` refuses to run on CPUs.
    """
    import torch
    if not torch.cuda.is_available():
        return dict(type='CPUAutocastOptimWrapper')
    dtype = 'bfloat16' if torch.cuda.is_bf16_supported() else 'float16'
    return dict(type='AmpOptimWrapper', dtype=dtype)


def fast_training(custom_hooks: Sequence[Dict],
                  batch_size: int,
                  num_workers: Optional[int] = None
                  ) -> Tuple[Dict, Dict, Dict, List[Dict], Dict]:
    """Overrides that turn on the fast training path of any config.

    MMEngine refuses two ``_base_`` files that set the same keys, so the
    fast path cannot be a second base; a config inherits its normal
    version and assigns these five values instead::

        _base_ = ['./hrnet_w32_blouse.py']
        from fashionai_dataset.config_utils import fast_training
        (optim_wrapper, env_cfg, auto_scale_lr, custom_hooks,
         train_dataloader) = fast_training(_base_.custom_hooks, 128)

    Args:
        custom_hooks: The base config's ``custom_hooks`` (kept).
        batch_size: Images per GPU; the learning rate follows through
            ``auto_scale_lr`` (the base recipe is for 8 x 64 images).
        num_workers: Loader processes per GPU; default: the cores of the
            machine parsing the config (at most 16) over its GPUs.

    Returns:
        tuple: ``optim_wrapper`` (``AmpOptimWrapper`` in bf16, fp16 on GPUs
        without bf16; bf16 ``CPUAutocastOptimWrapper`` without a GPU),
        ``env_cfg`` (``cudnn_benchmark``), ``auto_scale_lr``
        (enabled), ``custom_hooks`` (plus ``ChannelsLastHook`` and
        ``Float32HeadOutputHook``) and
        ``train_dataloader`` (batch, workers, persistent workers, pinned
        memory).
    """
    if num_workers is None:
        import torch
        gpus = max(1, torch.cuda.device_count())
        num_workers = max(1, min(16, os.cpu_count() or 1) // gpus)
    return (_mixed_precision(),
            dict(cudnn_benchmark=True), dict(enable=True),
            list(custom_hooks) + [
                dict(type='ChannelsLastHook'),
                dict(type='Float32HeadOutputHook')
            ],
            dict(
                batch_size=batch_size,
                num_workers=num_workers,
                persistent_workers=num_workers > 0,
                pin_memory=True))


def at_input_size(base, size: int) -> Tuple[Dict, Dict, Dict, Dict, Dict]:
    """Overrides that run a heatmap config at a ``size`` x ``size`` input.

    The codec keeps its type; a heatmap stays a quarter of the input and
    sigma grows with it (2 at 256 pixels gives 3 at 384, as in MMPose's 384
    configs). At the base's own size the codec is unchanged::

        _base_ = ['./hrnet_w32_blouse.py']
        from fashionai_dataset.config_utils import at_input_size
        (codec, model, train_dataloader, val_dataloader,
         test_dataloader) = at_input_size(_base_, 384)

    Args:
        base: The ``_base_`` of the calling config (its codec and pipelines).
        size: Input side in pixels.

    Returns:
        tuple: ``codec``, and the ``model``, ``train_dataloader``,
        ``val_dataloader`` and ``test_dataloader`` overrides using it.
    """
    codec = dict(base.codec, input_size=(size, size))
    if 'heatmap_size' in base.codec:
        codec.update(
            heatmap_size=(size // 4, size // 4),
            sigma=base.codec['sigma'] * size / base.codec['input_size'][0])
    val_loader = dict(
        dataset=dict(pipeline=pipeline_for_codec(base.val_pipeline, codec)))
    return (codec, dict(head=dict(decoder=codec)),
            dict(
                dataset=dict(
                    pipeline=pipeline_for_codec(base.train_pipeline, codec))),
            val_loader, val_loader)


def drop_steps(pipeline: Sequence[Dict], *step_types: str) -> List[Dict]:
    """Return ``pipeline`` without its steps of the given types.

    Raises:
        KeyError: A type has no step in the pipeline (a typo would
            otherwise drop nothing, silently).
    """
    present = {step['type'] for step in pipeline}
    missing = [t for t in step_types if t not in present]
    if missing:
        raise KeyError(f'the pipeline has no {", ".join(missing)} step')
    return [dict(step) for step in pipeline if step['type'] not in step_types]
