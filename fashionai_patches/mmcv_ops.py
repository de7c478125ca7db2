"""Stand-ins for ``mmcv.ops`` when mmcv has no compiled ops (``mmcv._ext``):
change 1 of :mod:`fashionai_patches`, which says why.

Importing a stand-in works, and so do ``isinstance`` checks; ``nms``,
``batched_nms``, ``roi_align`` and ``RoIAlign`` run on torchvision's kernels
(:mod:`~fashionai_patches.detection_ops`); creating or calling any other
raises :class:`MissingMMCVOpError`, which says that mmcv with compiled ops is
needed.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any, Dict, Optional, Sequence

from .detection_ops import IMPLEMENTED

_PACKAGE = 'mmcv.ops'


class MissingMMCVOpError(RuntimeError):
    """An ``mmcv.ops`` operator was used, but mmcv has no compiled ops."""


class _MissingOp:
    """Base of the placeholders; creating (or calling) one raises."""

    _op_name = 'op'

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise MissingMMCVOpError(
            f'{self._op_name} needs mmcv with compiled ops (mmcv._ext), but '
            'this environment has mmcv-lite. Install the full mmcv 2.1.0 '
            '(built from source for your torch/CUDA) to use it; the '
            'FashionAI top-down heatmap models do not need it.')


class _StandInModule(types.ModuleType):
    """A module whose every public attribute is a placeholder op."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__path__: list = []  # a package, so submodules import too
        self._placeholders: Dict[str, type] = {}

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith('__'):
            raise AttributeError(attr)
        if attr in IMPLEMENTED:
            return IMPLEMENTED[attr]
        if attr not in self._placeholders:
            self._placeholders[attr] = type(
                attr, (_MissingOp, ),
                dict(
                    _op_name=f'{self.__name__}.{attr}',
                    __module__=self.__name__))
        return self._placeholders[attr]

    def __setattr__(self, attr: str, value: Any) -> None:
        # importing the submodule mmcv.ops.nms would otherwise hide the
        # function mmcv.ops.nms behind the module
        if attr not in IMPLEMENTED:
            super().__setattr__(attr, value)


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves :class:`_StandInModule` for ``mmcv.ops`` and its submodules."""

    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[str]] = None,
        target: Optional[types.ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname == _PACKAGE or fullname.startswith(_PACKAGE + '.'):
            return importlib.machinery.ModuleSpec(
                fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec
                      ) -> types.ModuleType:
        return _StandInModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def compiled_ops_available() -> bool:
    """Whether mmcv's compiled extension can be found."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except ImportError:  # mmcv itself is not installed
        return False


def install_mmcv_ops_stand_ins() -> bool:
    """Install the stand-ins if mmcv's compiled ops are missing.

    Returns:
        bool: Whether the stand-ins are in place.
    """
    if any(isinstance(finder, _StandInFinder) for finder in sys.meta_path):
        return True
    if compiled_ops_available() or importlib.util.find_spec('mmcv') is None:
        return False
    for name in [
            m for m in sys.modules
            if m == _PACKAGE or m.startswith(_PACKAGE + '.')
    ]:
        del sys.modules[name]  # a half-imported real mmcv.ops, if any
    sys.meta_path.insert(0, _StandInFinder())
    return True
