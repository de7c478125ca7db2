"""A FashionAI keypoint model exported to ONNX, run by onnxruntime.

Needs numpy, OpenCV and onnxruntime; neither torch nor MMPose.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .decoding import decode, merge_flipped
from .metadata import MetadataError, metadata_from_props
from .preprocess import network_inputs, to_image_pixels


class OnnxPoseModel:
    """Predict one garment's keypoints per image with an exported network.

    The whole image is the garment's box, as in the FashionAI configs'
    test pipeline; the affine, normalisation, decoding and flip test are
    the ones the file's metadata describes (see
    :mod:`fashionai_deploy.metadata`).

    Args:
        path: An ``.onnx`` file written by ``tools/export_onnx.py``.
        flip_test: Average with the mirrored image's prediction; ``None``
            follows the training config (stored in the metadata).
        threads: onnxruntime intra-op threads; ``None``: its default (all
            cores).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        MetadataError: The file lacks FashionAI metadata, or its network's
            input or output shapes disagree with it.
    """

    def __init__(self,
                 path: str,
                 flip_test: Optional[bool] = None,
                 threads: Optional[int] = None) -> None:
        import onnxruntime

        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: no such ONNX file')
        options = onnxruntime.SessionOptions()
        # its failures reach the user as one MetadataError line instead
        options.log_severity_level = 4
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = onnxruntime.InferenceSession(
                path, options, providers=['CPUExecutionProvider'])
        except Exception as error:  # onnxruntime raises its own types
            raise MetadataError(f'{path}: onnxruntime cannot load the file '
                                f'({str(error).splitlines()[0]})') from None
        self.path = path
        self.metadata = metadata_from_props(
            self.session.get_modelmeta().custom_metadata_map, path)
        self.flip_test = (
            self.metadata['flip_test']['enabled']
            if flip_test is None else flip_test)
        self._check_graph()

    @property
    def category(self) -> str:
        """The category (or ``'all'``) the model was trained for."""
        return self.metadata['category']

    @property
    def keypoint_names(self) -> List[str]:
        """The output keypoints' names, in CSV order."""
        return list(self.metadata['keypoint_names'])

    def _check_graph(self) -> None:
        """The network's input and output shapes match the metadata."""
        meta = self.metadata
        inputs = self.session.get_inputs()
        width, height = meta['input_size']
        shape = inputs[0].shape
        if len(inputs) != 1 or len(shape) != 4 or list(
                shape[1:]) != [3, height, width]:
            raise MetadataError(
                f'{self.path}: the network takes {shape}, the metadata says '
                f'(batch, 3, {height}, {width}); the file was exported for '
                'another input size')
        self.batch = shape[0] if isinstance(shape[0], int) else None
        outputs = self.session.get_outputs()
        names = [output.name for output in outputs]
        if names != list(meta['outputs']):
            raise MetadataError(f'{self.path}: the network outputs {names}, '
                                f'the metadata says {meta["outputs"]}')
        count = len(meta['keypoint_names'])
        for output in outputs:
            if output.shape[1] != count:
                raise MetadataError(
                    f'{self.path}: output {output.name} has {output.shape[1]}'
                    f' keypoint channels, the metadata names {count} '
                    f'({meta["category"]})')
            expected = self._expected_output_dims(output.name)
            if list(output.shape[2:]) != expected:
                raise MetadataError(
                    f'{self.path}: output {output.name} is {output.shape[2:]}'
                    f' per keypoint, the metadata\'s codec says {expected} '
                    '(heatmap size or SimCC split ratio); the file was edited')

    def _expected_output_dims(self, output: str) -> List[int]:
        """An output's shape after (batch, keypoints), as the codec says."""
        codec = self.metadata['codec']
        width, height = codec['input_size']
        if output == 'heatmaps':
            heatmap_width, heatmap_height = codec['heatmap_size']
            return [heatmap_height, heatmap_width]
        ratio = codec['simcc_split_ratio']
        side = width if output == 'simcc_x' else height
        return [int(side * ratio)]

    def _run(self, inputs: np.ndarray) -> List[np.ndarray]:
        """The network on (N, 3, h, w), in chunks of a fixed-batch file.

        Raises:
            MetadataError: onnxruntime fails to run the graph (a file whose
                nodes do not fit together), naming the file.
        """
        try:
            outputs = self._run_chunks(inputs)
        except Exception as error:  # onnxruntime raises its own types
            raise MetadataError(
                f'{self.path}: onnxruntime cannot run the network '
                f'({str(error).splitlines()[0][:200]}); export the model '
                'again with tools/export_onnx.py') from None
        # a graph can declare one shape and compute another
        count = len(self.metadata['keypoint_names'])
        if len(outputs) != len(self.metadata['outputs']):
            raise MetadataError(
                f'{self.path}: the network gave {len(outputs)} outputs, the '
                f'metadata names {list(self.metadata["outputs"])}')
        for name, output in zip(self.metadata['outputs'], outputs):
            expected = [len(inputs), count] + self._expected_output_dims(name)
            if list(output.shape) != expected:
                raise MetadataError(
                    f'{self.path}: output {name} came out '
                    f'{list(output.shape)}, the metadata says {expected}; '
                    'the graph computes other shapes than it declares')
        return outputs

    def _run_chunks(self, inputs: np.ndarray) -> List[np.ndarray]:
        name = self.session.get_inputs()[0].name
        if self.batch is None:
            return self.session.run(None, {name: inputs})
        chunks = []
        for start in range(0, len(inputs), self.batch):
            chunk = inputs[start:start + self.batch]
            missing = self.batch - len(chunk)
            if missing:  # pad with copies; their outputs are dropped
                chunk = np.concatenate([chunk, chunk[-1:].repeat(missing, 0)])
            outputs = self.session.run(None, {name: chunk})
            chunks.append([o[:self.batch - missing] for o in outputs])
        return [np.concatenate(parts) for parts in zip(*chunks)]

    def predict(
        self,
        images: Sequence[np.ndarray],
        boxes: Optional[Sequence[Optional[np.ndarray]]] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints of the garment in each image.

        Args:
            images: BGR images (H, W, 3), uint8, any sizes.
            boxes: The garment's box in each image, ``[x1, y1, x2, y2]``
                pixels, or None for the whole image (the default for all).

        Returns:
            tuple: keypoints (N, K, 2) in each image's pixels and scores
            (N, K), K = ``len(self.keypoint_names)``.
        """
        meta = self.metadata
        inputs, centers, scales = network_inputs(images, meta, boxes,
                                                 self.flip_test)
        if self.flip_test:
            count = len(centers)
            both = self._run(inputs)
            outputs = merge_flipped([o[:count] for o in both],
                                    [o[count:] for o in both],
                                    meta['flip_indices'], meta['flip_test'])
        else:
            outputs = self._run(inputs)
        points, scores = decode(meta['codec'], outputs)
        keypoints = to_image_pixels(points, centers[:, None], scales[:, None],
                                    meta['input_size'])
        return keypoints.astype(np.float64), scores.astype(np.float64)
