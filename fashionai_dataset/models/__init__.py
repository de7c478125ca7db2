from .flip_aligned_rtmcc_head import FlipAlignedRTMCCHead, shift_bins_left
from .pose_ensemble import PoseEnsemble, can_average_heatmaps
from .tta_model import FashionAITTAModel, undo_rotation

__all__ = [
    'FashionAITTAModel', 'FlipAlignedRTMCCHead', 'shift_bins_left',
    'PoseEnsemble', 'can_average_heatmaps', 'undo_rotation'
]
