"""Export a FashionAI pose model's network to ONNX, with what a predictor
needs to use it written into the file (:mod:`fashionai_deploy.metadata`)."""
import json
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from torch import nn

from fashionai_core.atomic import atomic_write
from fashionai_deploy.metadata import (CODEC_OUTPUTS, FORMAT_VERSION,
                                       METADATA_KEY, check_metadata)
from ..metainfo import keypoint_names
from ..models import FlipAlignedRTMCCHead

#: Test pipeline steps the onnxruntime predictor repeats.
PREDICTOR_STEPS = ('LoadImage', 'GetBBoxCenterScale', 'TopdownAffine',
                   'PackPoseInputs')


class ExportedNetwork(nn.Module):
    """Backbone, neck and head of a top-down model: input (N, 3, h, w),
    normalised, to the head's raw outputs (the last stage of a multi-stage
    head): heatmaps (N, K, H, W), or SimCC vectors (N, K, Wx), (N, K, Wy).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor):
        """The head's outputs for a batch of network inputs."""
        outputs = self.model.head.forward(self.model.extract_feat(inputs))
        if isinstance(outputs, list):  # CPM: one heatmap per stage
            return outputs[-1]
        return outputs


def _predictor_pipeline(cfg: Config, source: str) -> Dict[str, Any]:
    """Box padding, input size and UDP flag of the config's test pipeline."""
    dataset = cfg.test_dataloader.dataset
    if dataset.get('bbox_mode', 'image') != 'image':
        raise ValueError(f'{source}: the test dataset boxes the annotated '
                         'points (bbox_mode="keypoints"); an exported model '
                         'predicts on the whole image')
    steps = {step['type']: step for step in dataset.pipeline}
    unknown = sorted(set(steps) - set(PREDICTOR_STEPS))
    if unknown or 'TopdownAffine' not in steps:
        raise ValueError(
            f'{source}: the test pipeline has {", ".join(unknown) or "no "}'
            f'{"" if unknown else "TopdownAffine"}; the ONNX predictor repeats'
            f' only {", ".join(PREDICTOR_STEPS)} (export the config without '
            'test-time augmentation)')
    affine = steps['TopdownAffine']
    return dict(
        bbox_padding=float(
            steps.get('GetBBoxCenterScale', {}).get('padding', 1.25)),
        input_size=[int(v) for v in affine['input_size']],
        use_udp=bool(affine.get('use_udp', False)))


def _codec_fields(model: nn.Module, source: str) -> Dict[str, Any]:
    """The head's decoder as the metadata's ``codec`` field."""
    decoder = getattr(model.head, 'decoder', None)
    kind = type(decoder).__name__
    if kind not in CODEC_OUTPUTS:
        raise ValueError(f'{source}: the head decodes with {kind}; the ONNX '
                         'predictor decodes ' + ', '.join(CODEC_OUTPUTS))
    fields: Dict[str, Any] = dict(
        type=kind, input_size=[int(v) for v in decoder.input_size])
    if kind in ('UDPHeatmap', 'MSRAHeatmap'):
        if getattr(decoder, 'heatmap_type', 'gaussian') != 'gaussian':
            raise ValueError(f'{source}: UDPHeatmap heatmap_type '
                             f'{decoder.heatmap_type!r} is not exported; '
                             "only 'gaussian'")
        fields.update(
            heatmap_size=[int(v) for v in decoder.heatmap_size],
            blur_kernel_size=int(decoder.blur_kernel_size))
        if kind == 'MSRAHeatmap':
            fields['unbiased'] = bool(decoder.unbiased)
    else:
        if decoder.use_dark or decoder.decode_visibility:
            raise ValueError(f'{source}: SimCC use_dark / decode_visibility '
                             'are not exported')
        fields['simcc_split_ratio'] = float(decoder.simcc_split_ratio)
    return fields


def onnx_metadata(model: nn.Module, source: str) -> Dict[str, Any]:
    """The FashionAI metadata document for a model.

    Args:
        model: A model from :func:`load_pose_model` (with ``cfg`` and
            ``dataset_meta``), a ``TopdownPoseEstimator``.
        source: The config or checkpoint, for messages.

    Raises:
        ValueError: The model is not one the ONNX predictor can run
            (another pipeline, codec or flip mode); the message says which.
    """
    cfg = model.cfg
    if cfg.model.type == 'FashionAITTAModel':
        raise ValueError(
            f'{source}: test-time augmentation (FashionAITTAModel) runs the '
            'network on several views; the ONNX predictor repeats one. '
            'Export the config without _tta (same checkpoint)')
    if cfg.model.type != 'TopdownPoseEstimator':
        raise ValueError(f'{source}: a {cfg.model.type} is not exported; '
                         'only a TopdownPoseEstimator')
    codec = _codec_fields(model, source)
    test_cfg = model.test_cfg or {}
    if codec['type'].endswith('Heatmap') and test_cfg.get(
            'flip_mode', 'heatmap') != 'heatmap':
        raise ValueError(f'{source}: flip_mode {test_cfg["flip_mode"]!r} is '
                         "not exported; only 'heatmap'")
    meta = model.dataset_meta
    preprocessor = cfg.model.data_preprocessor
    metadata = dict(
        format_version=FORMAT_VERSION,
        category=cfg.test_dataloader.dataset.category,
        keypoint_names=keypoint_names(meta),
        flip_indices=[int(i) for i in meta['flip_indices']],
        **_predictor_pipeline(cfg, source),
        mean=[float(v) for v in preprocessor.mean],
        std=[float(v) for v in preprocessor.std],
        bgr_to_rgb=bool(preprocessor.get('bgr_to_rgb', False)),
        codec=codec,
        flip_test=dict(
            enabled=bool(test_cfg.get('flip_test', False)),
            shift_heatmap=bool(test_cfg.get('shift_heatmap', False)),
            simcc_x_shift=(float(model.head.simcc_split_ratio - 1)
                           if isinstance(model.head, FlipAlignedRTMCCHead) else
                           0.)),
        outputs=CODEC_OUTPUTS[codec['type']])
    check_metadata(metadata, source)
    return metadata


def export_network(network: nn.Module, inputs: torch.Tensor,
                   output_names: List[str],
                   batch: Optional[int]) -> 'onnx.ModelProto':  # noqa: F821
    """Trace a network with torch's (dynamo) ONNX exporter.

    Args:
        network: In eval mode, one input tensor.
        inputs: Example input (N, 3, h, w); N >= 2 unless ``batch`` is set.
        output_names: One name per output tensor.
        batch: Fixed batch size, or ``None`` for any.

    Returns:
        onnx.ModelProto: The graph, input named ``input``.
    """
    program = torch.onnx.export(
        network, (inputs, ),
        input_names=['input'],
        output_names=output_names,
        dynamic_shapes=None if batch else
        ({
            0: torch.export.Dim('batch', min=1, max=4096)
        }, ),
        dynamo=True,
        verbose=False)
    return program.model_proto


def export_onnx(model: nn.Module,
                out_file: str,
                batch: Optional[int] = None,
                source: str = 'model') -> Dict[str, Any]:
    """Export a model's network to ONNX, check it and write it atomically.

    The network (:class:`ExportedNetwork`) goes through torch's ONNX
    exporter; onnx's checker validates the graph; onnxruntime runs it once
    on random input beside PyTorch. Only then is the file written.

    Args:
        model: From :func:`load_pose_model`, in eval mode, on the CPU.
        out_file: The ``.onnx`` file to write.
        batch: Fixed batch size; ``None``: any batch size.
        source: The config or checkpoint, for messages.

    Returns:
        dict: ``metadata`` (as stored), ``max_abs_difference`` between
        onnxruntime's and PyTorch's outputs on the check input, and
        ``output_shapes``.

    Raises:
        ValueError: See :func:`onnx_metadata`.
    """
    import onnx
    import onnxruntime

    metadata = onnx_metadata(model, source)
    network = ExportedNetwork(model).eval()
    width, height = metadata['input_size']
    # two images: a batch of one would let the exporter fix the batch size
    inputs = torch.randn(batch or 2, 3, height, width)
    proto = export_network(network, inputs, metadata['outputs'], batch)
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(metadata)
    onnx.checker.check_model(proto)
    serialized = proto.SerializeToString()
    session = onnxruntime.InferenceSession(
        serialized, providers=['CPUExecutionProvider'])
    with torch.no_grad():
        expected = network(inputs)
    expected = [expected] if isinstance(expected, torch.Tensor) else expected
    actual = session.run(None, {'input': inputs.numpy()})
    difference = max(
        float(np.abs(a - e.numpy()).max()) for a, e in zip(actual, expected))
    with atomic_write(out_file, 'wb') as file:
        file.write(serialized)
    return dict(
        metadata=metadata,
        max_abs_difference=difference,
        output_shapes=[list(a.shape) for a in actual])
