"""FashionAI apparel keypoints for MMPose 1.x.

The format itself (keypoints, CSV files, the NE) is :mod:`fashionai_core`,
which imports no deep-learning stack.

Importing this package registers everything the configs name in MMPose's
registries, and changes nothing else: :class:`FashionAIDataset` and the
FashionAI transforms (``DATASETS``, ``TRANSFORMS``), :class:`FashionAIMetric`
(``METRICS``), the sub-bin SimCC codec :class:`SubpixelSimCCLabel`
(``KEYPOINT_CODECS``), the test-time augmentation model
:class:`FashionAITTAModel` and the flip-aligned RTMPose head (``MODELS``),
the checkpoint, channels_last and float32-head hooks (``HOOKS``), the
mixed-precision and CPU bf16 optimizer wrappers (``OPTIM_WRAPPERS``) and the
``atomic_local`` file backend.

The pinned stack's run-time gaps (mmcv-lite's missing ops, checkpoint
loading, CPU distributed runs) are closed by :mod:`fashionai_patches`, which
the configs' ``custom_imports`` and the tools import first.
"""
try:
    from .codecs import SubpixelSimCCLabel
    from .datasets import FashionAIDataset
    from .engine import WeightsOnlyCheckpointHook
    from .evaluation import FashionAIMetric
    from .metainfo import fashionai_metainfo
    from .models import FashionAITTAModel
except ModuleNotFoundError as error:
    if error.name != 'mmcv._ext':
        raise
    raise ImportError(
        'fashionai_dataset needs mmpose.models, which imports mmcv.ops; this '
        'mmcv has no compiled ops (the pinned mmcv-lite). Import '
        'fashionai_patches first (the configs\' custom_imports and the tools '
        'do), or install mmcv with compiled ops') from None

__version__ = '0.1.0'

__all__ = [
    'FashionAIDataset', 'WeightsOnlyCheckpointHook', 'FashionAIMetric',
    'FashionAITTAModel', 'SubpixelSimCCLabel', 'fashionai_metainfo'
]
