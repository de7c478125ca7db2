from .merge_checkpoints import merge_checkpoints
from .predict import (config_from_checkpoint, ensemble, load_pose_model,
                      predict_csv)

__all__ = [
    'config_from_checkpoint', 'ensemble', 'load_pose_model',
    'merge_checkpoints', 'predict_csv'
]
