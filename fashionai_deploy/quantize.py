"""Static int8 quantization of an exported FashionAI network.

onnxruntime's QDQ format: int8 weights (one scale per tensor), uint8
activations (the u8 x s8 pair its x86 kernels run), activation ranges
calibrated on real images fed through the file's own preprocessing
(:func:`~fashionai_deploy.preprocess.network_inputs`, mirrored too when the
metadata's flip test is on, as the predictor feeds the network). The last
weighted layers before the outputs can stay in float: they place the
heatmap peak or SimCC bin, where sub-pixel precision is decided.

Needs onnx and onnxruntime; no torch.
"""
import contextlib
import io
import json
import os.path as osp
import tempfile
from typing import (Any, Dict, Iterable, Iterator, List, Optional, Sequence,
                    Tuple, Union)

import numpy as np

from fashionai_core.atomic import atomic_write
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.image_check import FashionAIImageError, read_image
from fashionai_core.keypoints import ALL_CATEGORIES
from .infer import list_images
from .metadata import METADATA_KEY, metadata_from_props
from .preprocess import network_inputs

#: ``--calibration`` choices -> onnxruntime's CalibrationMethod names.
CALIBRATION_METHODS = {
    'minmax': 'MinMax',
    'percentile': 'Percentile',
    'entropy': 'Entropy',
}
#: The defaults of ``tools/export_onnx.py --int8``, chosen by measurement
#: on the demo model (docs/deployment.md, "int8").
DEFAULT_CALIBRATION = 'percentile'
DEFAULT_FLOAT_LAYERS = 1
#: Operators whose weights are quantized; the float layers are counted
#: among these.
WEIGHTED_OPS = ('Conv', 'ConvTranspose', 'MatMul', 'Gemm')


def calibration_images(source: str,
                       category: str,
                       count: int,
                       image_root: Optional[str] = None) -> List[str]:
    """Up to ``count`` image paths, spread evenly over a source.

    Args:
        source: A folder (every image under it) or a FashionAI CSV
            (annotations or a test list): its rows of ``category`` (every
            row for an ``'all'`` model).
        category: The model's category.
        count: How many images at most; at least 1.
        image_root: The folder a CSV's image ids are relative to; default:
            the folder holding the CSV's ``Annotations`` folder (the
            competition layout), else the CSV's folder.

    Raises:
        FileNotFoundError: The source does not exist, or holds no image.
        ValueError: A CSV without rows of the category (or one the
            reader refuses, naming its line).
    """
    if count < 1:
        raise ValueError(f'--calib-count is {count}; it must be at least 1')
    if osp.isdir(source):
        paths = list_images(source)
    elif osp.isfile(source):
        records = read_fashionai_csv(source)
        if image_root is None:
            folder = osp.dirname(osp.abspath(source))
            image_root = (
                osp.dirname(folder)
                if osp.basename(folder) == 'Annotations' else folder)
        # the reader refuses ids that leave the root
        paths = [
            osp.join(image_root, image_id) for image_id, row_category in zip(
                records.image_ids, records.categories)
            if category in (ALL_CATEGORIES, row_category)
        ]
        if not paths:
            raise ValueError(f'{source}: no {category} row to calibrate on')
    else:
        raise FileNotFoundError(f'{source}: no such folder or CSV file')
    picks = np.unique(np.linspace(0, len(paths) - 1, min(count, len(paths))))
    return [paths[int(i)] for i in picks.round()]


def calibration_inputs(images: Sequence[Union[str, np.ndarray]],
                       metadata: Dict[str, Any],
                       batch: Optional[int] = None) -> Iterator[np.ndarray]:
    """The network inputs the predictor makes of calibration images.

    Args:
        images: Image files, or BGR images (H, W, 3) uint8.
        metadata: The exported file's metadata (warp, normalisation, flip).
        batch: The file's fixed batch size; ``None``: each image with, when
            the flip test is on, its mirror.

    Yields:
        np.ndarray: (n, 3, h, w) float32 batches.
    """
    pending: List[np.ndarray] = []
    for image in images:
        if isinstance(image, str):
            image = read_image(image)
        inputs, _, _ = network_inputs(
            [image], metadata, mirrored=metadata['flip_test']['enabled'])
        if batch is None:
            yield inputs
            continue
        pending.extend(inputs)
        while len(pending) >= batch:
            yield np.stack(pending[:batch])
            pending = pending[batch:]
    if pending and batch:
        pending += [pending[-1]] * (batch - len(pending))
        yield np.stack(pending)


class _CalibrationReader:
    """onnxruntime's ``CalibrationDataReader`` over network input batches
    (one pass)."""

    def __init__(self, batches: Iterable[np.ndarray], input_name: str) -> None:
        self._batches = iter(batches)
        self._input_name = input_name

    def get_next(self) -> Optional[Dict[str, np.ndarray]]:
        batch = next(self._batches, None)
        return None if batch is None else {self._input_name: batch}


def last_weighted_nodes(
        model: 'onnx.ModelProto',  # noqa: F821
        count: int) -> List[str]:
    """The names of the ``count`` weighted nodes nearest the outputs.

    Walks the graph back from its outputs, breadth first; a weighted node
    is one of :data:`WEIGHTED_OPS`.
    """
    producer = {
        output: node
        for node in model.graph.node
        for output in node.output
    }
    frontier = [o.name for o in model.graph.output]
    seen, found = set(), []
    while frontier and len(found) < count:
        following = []
        for tensor in frontier:
            node = producer.get(tensor)
            if node is None or node.name in seen:
                continue
            seen.add(node.name)
            if node.op_type in WEIGHTED_OPS and len(found) < count:
                found.append(node.name)
            following.extend(node.input)
        frontier = following
    return found


def quantize_network(float_model: bytes,
                     batches: Iterable[np.ndarray],
                     calibration: str = DEFAULT_CALIBRATION,
                     float_layers: int = DEFAULT_FLOAT_LAYERS,
                     source: str = 'model'
                     ) -> Tuple['onnx.ModelProto', List[str]]:  # noqa: F821
    """Quantize a float network to int8 with onnxruntime (static, QDQ).

    uint8 activations and int8 weights, one scale per weight tensor: on
    this project's AVX2 CPU (no VNNI) per-channel scales over the full int8
    range saturate onnxruntime's u8 x s8 kernels and cost 3.2 NE points on
    the demo model, per-tensor ones nothing (docs/deployment.md).

    Args:
        float_model: A serialized float ``.onnx`` network.
        batches: Calibration network inputs (n, 3, h, w) float32, as the
            predictor feeds them (:func:`calibration_inputs`).
        calibration: One of :data:`CALIBRATION_METHODS`.
        float_layers: Weighted layers nearest the outputs kept in float.
        source: For messages.

    Returns:
        tuple: The int8 model and the names of the nodes kept in float.

    Raises:
        ValueError: An unknown method, or a graph onnxruntime cannot
            quantize.
    """
    import onnx
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if calibration not in CALIBRATION_METHODS:
        raise ValueError(f'calibration {calibration!r} is not one of '
                         f'{", ".join(CALIBRATION_METHODS)}')
    with tempfile.TemporaryDirectory(prefix='fashionai_int8_') as work:
        float_path = osp.join(work, 'float.onnx')
        prepared = osp.join(work, 'prepared.onnx')
        quantized = osp.join(work, 'int8.onnx')
        with open(float_path, 'wb') as file:
            file.write(float_model)
        try:
            quant_pre_process(float_path, prepared, skip_symbolic_shape=True)
            graph = onnx.load(prepared)
            float_nodes = last_weighted_nodes(graph, float_layers)
            with contextlib.redirect_stdout(io.StringIO()):  # its prints
                quantize_static(
                    prepared,
                    quantized,
                    _CalibrationReader(batches, graph.graph.input[0].name),
                    quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8,
                    per_channel=False,
                    nodes_to_exclude=float_nodes,
                    calibrate_method=getattr(CalibrationMethod,
                                             CALIBRATION_METHODS[calibration]),
                    extra_options=dict(CalibTensorRangeSymmetric=False))
        except FashionAIImageError:
            raise  # a calibration image: its own message names it
        except (RuntimeError, ValueError, KeyError,
                onnx.checker.ValidationError) as error:
            raise ValueError(
                f'{source}: onnxruntime cannot quantize the network '
                f'({str(error).splitlines()[0][:200]})') from None
        return onnx.load(quantized), float_nodes


def quantize_int8(float_model: bytes,
                  out_file: str,
                  images: Sequence[Union[str, np.ndarray]],
                  calibration: str = DEFAULT_CALIBRATION,
                  float_layers: int = DEFAULT_FLOAT_LAYERS,
                  source: str = 'model') -> Dict[str, Any]:
    """Quantize an exported float file to int8 and write it atomically, with
    the float file's metadata and how it was quantized.

    Args:
        float_model: A serialized ``.onnx`` file from
            :func:`~fashionai_dataset.apis.export_onnx`, with its metadata.
        out_file: The int8 ``.onnx`` file to write.
        images: Calibration images (:func:`calibration_images`), files or
            BGR arrays.
        calibration: One of :data:`CALIBRATION_METHODS`.
        float_layers: Weighted layers nearest the outputs kept in float.
        source: For messages.

    Returns:
        dict: ``metadata`` (as stored: the float file's plus
        ``quantization``), ``float_nodes`` and ``size_bytes``.

    Raises:
        MetadataError: The file has no FashionAI metadata.
        ValueError: It is quantized already, or see
            :func:`quantize_network`.
        FashionAIImageError: A calibration image cannot be read.
    """
    import onnx

    proto = onnx.load_from_string(float_model)
    props = {p.key: p.value for p in proto.metadata_props}
    metadata = metadata_from_props(props, source)
    if 'quantization' in metadata:
        raise ValueError(f'{source}: the network is int8 already')
    batch = proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value
    result, float_nodes = quantize_network(
        float_model, calibration_inputs(images, metadata, batch or None),
        calibration, float_layers, source)
    metadata['quantization'] = dict(
        weights='int8, one scale per tensor',
        activations='uint8',
        format='QDQ',
        calibration=calibration,
        calibration_images=len(images),
        float_layers=len(float_nodes))
    del result.metadata_props[:]
    for key, value in props.items():
        entry = result.metadata_props.add()
        entry.key = key
        entry.value = json.dumps(metadata) if key == METADATA_KEY else value
    serialized = result.SerializeToString()
    with atomic_write(out_file, 'wb') as file:
        file.write(serialized)
    return dict(
        metadata=metadata, float_nodes=float_nodes, size_bytes=len(serialized))
