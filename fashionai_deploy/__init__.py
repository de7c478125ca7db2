"""Run exported FashionAI keypoint models without torch or MMPose.

numpy, OpenCV and onnxruntime only: :class:`OnnxPoseModel` predicts the
garment's keypoints on plain images, :func:`predict_csv_onnx` writes the
predictions for a test CSV. Files come from ``tools/export_onnx.py``, whose
metadata (:mod:`fashionai_deploy.metadata`) says how to feed and decode the
network.
"""
from .metadata import FORMAT_VERSION, METADATA_KEY, MetadataError
from .onnx_model import OnnxPoseModel
from .predict import predict_csv_onnx

__all__ = [
    'FORMAT_VERSION', 'METADATA_KEY', 'MetadataError', 'OnnxPoseModel',
    'predict_csv_onnx'
]
