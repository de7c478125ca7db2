from .pose_ensemble import PoseEnsemble, can_average_heatmaps
from .tta_model import FashionAITTAModel, undo_rotation

__all__ = [
    'FashionAITTAModel', 'PoseEnsemble', 'can_average_heatmaps',
    'undo_rotation'
]
