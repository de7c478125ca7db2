from .collapse_detection_hook import CollapseDetectionHook

__all__ = ['CollapseDetectionHook']
