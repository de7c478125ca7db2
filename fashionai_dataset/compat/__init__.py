"""Run-time gaps of the pinned OpenMMLab stack, closed on import.

Each module here does nothing when the gap it closes is not present.
"""
from .checkpoint_loading import allow_full_checkpoint_loading
from .mmcv_ops import install_mmcv_ops_stand_ins

install_mmcv_ops_stand_ins()
allow_full_checkpoint_loading()

__all__ = ['install_mmcv_ops_stand_ins', 'allow_full_checkpoint_loading']
