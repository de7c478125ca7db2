from .predict import config_from_checkpoint, load_pose_model, predict_csv

__all__ = ['config_from_checkpoint', 'load_pose_model', 'predict_csv']
