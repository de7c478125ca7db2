"""FashionAI apparel keypoints for MMPose 1.x.

The format itself (keypoints, CSV files, the NE) is :mod:`fashionai_core`,
which imports no deep-learning stack.

Importing this package (``custom_imports=dict(imports=['fashionai_dataset'])``
in a config) first closes the run-time gaps of the pinned stack
(:mod:`.compat`), then registers everything the configs name in MMPose's
registries: :class:`FashionAIDataset` and the FashionAI transforms
(``DATASETS``, ``TRANSFORMS``), :class:`FashionAIMetric` (``METRICS``), the
sub-bin SimCC codec :class:`SubpixelSimCCLabel` (``KEYPOINT_CODECS``), the
test-time augmentation model :class:`FashionAITTAModel` and the
flip-aligned RTMPose head (``MODELS``), the
checkpoint, channels_last and float32-head hooks (``HOOKS``), the
mixed-precision and CPU bf16 optimizer wrappers (``OPTIM_WRAPPERS``) and the
``atomic_local`` file backend.
"""
from . import compat  # noqa: F401  (must run before mmpose.models is imported)
from .codecs import SubpixelSimCCLabel
from .datasets import FashionAIDataset
from .engine import WeightsOnlyCheckpointHook
from .evaluation import FashionAIMetric
from .metainfo import fashionai_metainfo
from .models import FashionAITTAModel

__version__ = '0.1.0'

__all__ = [
    'FashionAIDataset', 'WeightsOnlyCheckpointHook', 'FashionAIMetric',
    'FashionAITTAModel', 'SubpixelSimCCLabel', 'fashionai_metainfo'
]
