from .export_onnx import ExportedNetwork, export_onnx, onnx_metadata
from .merge_checkpoints import merge_checkpoints
from .predict import (config_from_checkpoint, ensemble, load_pose_model,
                      predict_csv)

__all__ = [
    'ExportedNetwork', 'config_from_checkpoint', 'ensemble', 'export_onnx',
    'load_pose_model', 'merge_checkpoints', 'onnx_metadata', 'predict_csv'
]
