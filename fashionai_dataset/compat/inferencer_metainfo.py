"""Let MMPose's inferencers find a FashionAI config's keypoint metainfo.

With a config and no checkpoint, ``MMPoseInferencer`` (and
``mmpose.apis.init_model``) read the dataset metainfo with
``dataset_meta_from_config``, which takes the dataset class's ``METAINFO``
attribute. A FashionAI dataset builds its metainfo per instance, from its
``category`` argument, so there is no class attribute to read and the
inferencer stops at ``assert 'dataset_name' in metainfo``.
:func:`fashionai_dataset_meta_from_config` answers for FashionAI datasets
and leaves every other dataset to MMPose.

``mmpose.apis`` costs a second to import, which training and testing never
need, so the replacement is installed when that module is first imported
(or at once if it already is).
"""
import importlib.abc
import importlib.util
import sys
from typing import Callable, Optional

#: Modules that hold their own reference to ``dataset_meta_from_config``.
PATCHED_MODULES = ('mmpose.apis.inference',
                   'mmpose.apis.inferencers.base_mmpose_inferencer')

_original: Optional[Callable] = None


def fashionai_dataset_meta_from_config(config,
                                       dataset_mode: str = 'train'
                                       ) -> Optional[dict]:
    """MMPose's ``dataset_meta_from_config``, answering for FashionAI
    datasets with their category's parsed metainfo."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    from mmpose.registry import DATASETS

    from ..datasets import FashionAIDataset
    from ..metainfo import fashionai_metainfo

    dataset_cfg = config.get(f'{dataset_mode}_dataloader',
                             {}).get('dataset', {})
    dataset_type = dataset_cfg.get('type')
    if isinstance(dataset_type, str):
        dataset_type = DATASETS.get(dataset_type)
    is_fashionai = isinstance(dataset_type, type) and issubclass(
        dataset_type, FashionAIDataset)
    if is_fashionai and 'metainfo' not in dataset_cfg:
        return parse_pose_metainfo(
            fashionai_metainfo(dataset_cfg.get('category', 'all')))
    return _original(config, dataset_mode)


def _patch(module) -> None:
    global _original
    if _original is None:
        _original = sys.modules['mmpose.apis.inference'] \
            .dataset_meta_from_config
    module.dataset_meta_from_config = fashionai_dataset_meta_from_config


class _PatchAfterImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds nothing itself; wraps the loader of the patched modules so the
    replacement is put in right after they execute."""

    def find_spec(self, name, path, target=None):
        if name not in PATCHED_MODULES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        original_exec = spec.loader.exec_module

        def exec_module(module):
            original_exec(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


def install_inferencer_metainfo() -> None:
    """Patch the modules already imported; patch the others on import.
    Idempotent."""
    for name in PATCHED_MODULES:
        if name in sys.modules:
            _patch(sys.modules[name])
    if not any(isinstance(f, _PatchAfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchAfterImport())
