"""Run-time gaps of the pinned OpenMMLab stack, closed on import.

Each module here does nothing when the gap it closes is not present.
"""
from ..weights_only import install_weights_only_loading
from .cpu_distributed import allow_cpu_distributed
from .inferencer_metainfo import install_inferencer_metainfo
from .mmcv_ops import install_mmcv_ops_stand_ins

install_mmcv_ops_stand_ins()
install_weights_only_loading()
allow_cpu_distributed()
install_inferencer_metainfo()

__all__ = [
    'install_mmcv_ops_stand_ins', 'install_weights_only_loading',
    'allow_cpu_distributed', 'install_inferencer_metainfo'
]
