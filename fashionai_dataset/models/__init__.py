from .tta_model import FashionAITTAModel, undo_rotation

__all__ = ['FashionAITTAModel', 'undo_rotation']
