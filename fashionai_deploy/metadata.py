"""What an exported FashionAI ONNX file says about itself.

``tools/export_onnx.py`` stores one JSON document in the ONNX model's
``metadata_props`` under :data:`METADATA_KEY`: everything a predictor needs
besides the network (the whole-image box, the affine, the normalisation,
the codec, the flip test and the keypoints). :func:`check_metadata`
validates it when a file is opened, so a file from another exporter, or one
edited by hand, stops with the file and the field named.
"""
import json
import math
from typing import Any, Dict, List, Mapping

from fashionai_core.keypoints import (CATEGORY_KEYPOINTS, check_category,
                                      mirror_name)

#: ``metadata_props`` key of the JSON document.
METADATA_KEY = 'fashionai'
#: Bumped when a field changes meaning; files of another version are refused.
FORMAT_VERSION = 1

#: Codecs the predictor decodes, with the parameters each needs.
CODEC_FIELDS: Dict[str, List[str]] = {
    'UDPHeatmap': ['input_size', 'heatmap_size', 'blur_kernel_size'],
    'MSRAHeatmap':
    ['input_size', 'heatmap_size', 'unbiased', 'blur_kernel_size'],
    'SimCCLabel': ['input_size', 'simcc_split_ratio'],
    'SubpixelSimCCLabel': ['input_size', 'simcc_split_ratio'],
}
#: The network outputs of each kind of codec, in order.
CODEC_OUTPUTS: Dict[str, List[str]] = {
    kind: ['heatmaps'] if 'heatmap_size' in fields else ['simcc_x', 'simcc_y']
    for kind, fields in CODEC_FIELDS.items()
}

#: Top-level fields and what each holds.
FIELDS: Dict[str, str] = {
    'format_version': f'{FORMAT_VERSION}',
    'category': 'a FashionAI category or "all"',
    'keypoint_names': 'the output channels\' keypoint names, in order',
    'flip_indices': 'per output channel, the channel of its mirror point',
    'input_size': '[width, height] of the network input, pixels',
    'bbox_padding': 'the whole-image box is enlarged by this factor',
    'use_udp': 'whether the affine is UDP\'s (unbiased) warp',
    'mean': 'per-channel mean subtracted, RGB or BGR as bgr_to_rgb says',
    'std': 'per-channel divisor after the mean',
    'bgr_to_rgb': 'whether the BGR image is turned to RGB first',
    'codec': 'the decoder: type and its parameters',
    'flip_test': 'enabled, shift_heatmap, simcc_x_shift (bins)',
    'outputs': 'the network\'s output names, in order',
}
#: Optional fields: ``quantization`` (an int8 file: weights, activations,
#: format, calibration method and images, float layers), absent in float
#: files.


class MetadataError(ValueError):
    """An ONNX file lacks, or holds a wrong, FashionAI metadata field."""


def _fail(source: str, message: str) -> None:
    raise MetadataError(
        f'{source}: {message}; export the model with tools/export_onnx.py')


def _is_number(value: Any, limit: float = 1e6) -> bool:
    """A finite number (not a bool) of magnitude at most ``limit``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return -limit <= value <= limit  # no float(): 10**400 overflows
    return math.isfinite(value) and abs(value) <= limit


def _is_int(value: Any) -> bool:
    """An integer, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


#: The largest network input or heatmap side a file may declare, pixels.
MAX_SIDE = 4096
#: (test, what it must be) of a ``[width, height]`` field.
_SIZE = (lambda v: isinstance(v, list) and len(v) == 2 and all(
    _is_int(x) and 1 <= x <= MAX_SIDE
    for x in v), f'[width, height], whole pixels in 1..{MAX_SIDE}')

#: Field -> (test, what it must be), checked before any field is used.
_TYPES = {
    'format_version': (_is_int, 'an integer'),
    'category': (lambda v: isinstance(v, str), 'a string'),
    'keypoint_names':
    (lambda v: isinstance(v, list) and all(isinstance(n, str)
                                           for n in v), 'a list of names'),
    'flip_indices':
    (lambda v: isinstance(v, list) and all(_is_int(i) for i in v),
     'a list of channel indices'),
    'input_size':
    _SIZE,
    'bbox_padding':
    (lambda v: _is_number(v) and 0.5 <= v <= 10, 'a number in [0.5, 10]'),
    'use_udp': (lambda v: isinstance(v, bool), 'true or false'),
    'mean': (lambda v: isinstance(v, list) and len(v) == 3 and all(
        _is_number(x, 1e4) for x in v), 'three numbers in [-1e4, 1e4]'),
    'std': (lambda v: isinstance(v, list) and len(v) == 3 and all(
        _is_number(x, 1e4) and x >= 1e-6
        for x in v), 'three positive numbers in [1e-6, 1e4]'),
    'bgr_to_rgb': (lambda v: isinstance(v, bool), 'true or false'),
    'codec': (lambda v: isinstance(v, Mapping), 'an object'),
    'flip_test': (lambda v: isinstance(v, Mapping) and isinstance(
        v.get('enabled'), bool) and isinstance(v.get(
            'shift_heatmap'), bool) and _is_number(v.get('simcc_x_shift'), 16),
                  'enabled and shift_heatmap (true or false), simcc_x_shift '
                  '(a number)'),
    'outputs':
    (lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
     'a list of output names'),
}
#: Codec field -> (test, what it must be).
_CODEC_TYPES = dict(
    input_size=_SIZE,
    heatmap_size=_SIZE,
    blur_kernel_size=(lambda v: _is_int(v) and 1 <= v <= 99 and v % 2 == 1,
                      'an odd number in 1..99'),
    unbiased=(lambda v: isinstance(v, bool), 'true or false'),
    simcc_split_ratio=(lambda v: _is_number(v) and 0.5 <= v <= 16,
                       'a number in [0.5, 16]'))


def check_metadata(metadata: Mapping[str, Any], source: str) -> None:
    """Raise :class:`MetadataError` naming ``source`` and the field unless
    ``metadata`` is a complete, consistent FashionAI document: every field
    present, of its type and in its range, and agreeing with the others."""
    for field in FIELDS:
        if field not in metadata:
            _fail(
                source, f'the FashionAI metadata has no {field!r} field '
                f'({FIELDS[field]})')
        test, expected = _TYPES[field]
        if not test(metadata[field]):
            _fail(
                source, f'metadata {field} is {_shown(metadata[field])}; '
                f'expected {expected}')
    if metadata['format_version'] != FORMAT_VERSION:
        _fail(
            source, f'metadata format_version is '
            f'{metadata["format_version"]!r}, this predictor reads '
            f'{FORMAT_VERSION}')
    try:
        check_category(metadata['category'])
    except ValueError as error:
        _fail(source, f'metadata category: {error}')
    names = list(metadata['keypoint_names'])
    expected = list(CATEGORY_KEYPOINTS[metadata['category']])
    if names != expected:
        _fail(
            source, f'metadata keypoint_names has {len(names)} names that '
            f'are not {metadata["category"]}\'s {len(expected)} in CSV '
            'order')
    flip_indices = list(metadata['flip_indices'])
    if flip_indices != [names.index(mirror_name(n)) for n in names]:
        _fail(
            source, 'metadata flip_indices does not pair each keypoint '
            'with its mirror')
    codec = metadata['codec']
    kind = codec.get('type') if isinstance(codec, Mapping) else None
    if not isinstance(kind, str) or kind not in CODEC_FIELDS:
        _fail(
            source, f'metadata codec type {kind!r} is not one of '
            f'{", ".join(CODEC_FIELDS)}')
    for field in CODEC_FIELDS[kind]:
        if field not in codec:
            _fail(source, f'metadata codec {kind} has no {field!r} field')
        test, expected = _CODEC_TYPES[field]
        if not test(codec[field]):
            _fail(
                source, f'metadata codec {field} is {_shown(codec[field])}; '
                f'expected {expected}')
    if list(codec['input_size']) != list(metadata['input_size']):
        _fail(
            source, f'metadata codec input_size {codec["input_size"]} is '
            f'not the input size {metadata["input_size"]}')
    if 'heatmap_size' in codec and any(
            h > i for h, i in zip(codec['heatmap_size'], codec['input_size'])):
        _fail(
            source, f'metadata codec heatmap_size {codec["heatmap_size"]} '
            f'is larger than the input size {codec["input_size"]}')
    quantization = metadata.get('quantization')
    if quantization is not None and not (isinstance(quantization, Mapping)
                                         and all(
                                             isinstance(v, (str, int))
                                             for v in quantization.values())):
        _fail(source, 'metadata quantization is not an object of names and '
              'numbers')
    if list(metadata['outputs']) != CODEC_OUTPUTS[kind]:
        _fail(
            source, f'metadata outputs {metadata["outputs"]} are not '
            f'{kind}\'s {CODEC_OUTPUTS[kind]}')


def _shown(value: Any) -> str:
    """A field's value for a message, cut short."""
    text = json.dumps(value) if not isinstance(value, Mapping) else 'an object'
    return text if len(text) <= 40 else text[:37] + '...'


def metadata_from_props(props: Mapping[str, str],
                        source: str) -> Dict[str, Any]:
    """Parse and check the document in an ONNX file's metadata properties.

    Args:
        props: The file's ``metadata_props`` as a dict (onnxruntime's
            ``get_modelmeta().custom_metadata_map``).
        source: The file, for messages.
    """
    if METADATA_KEY not in props:
        _fail(source, f'the file has no {METADATA_KEY!r} metadata')
    try:
        metadata = json.loads(props[METADATA_KEY])
    except (ValueError, RecursionError) as error:
        reason = 'nested too deeply' if isinstance(error,
                                                   RecursionError) else error
        _fail(source, f'the {METADATA_KEY!r} metadata is not JSON ({reason})')
    if not isinstance(metadata, dict):
        _fail(source, f'the {METADATA_KEY!r} metadata is not a JSON object')
    check_metadata(metadata, source)
    return metadata
