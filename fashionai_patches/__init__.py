"""Every change this project makes to other packages' or the interpreter's
behaviour: importing this module makes them all.

``import fashionai_dataset`` registers the plugin's modules and nothing
else. The pinned OpenMMLab stack has run-time gaps that the configs
(``custom_imports = dict(imports=['fashionai_patches', ...])``), the tools
and the tests close by importing this module first, before anything
imports ``mmpose.models``:

1. :mod:`.mmcv_ops` adds a ``sys.meta_path`` finder that serves ``mmcv.ops``
   when mmcv has no compiled ops (the pinned ``mmcv-lite``): without it
   ``import mmpose.models`` fails as a whole, although top-down heatmap
   models never run those ops. NMS and RoIAlign (a detector's) run on
   torchvision's kernels (:mod:`.detection_ops`).
2. :mod:`.checkpoint_loading` registers weights-only loaders for every
   scheme of MMEngine's ``CheckpointLoader`` (a local path, ``http(s)://``,
   the model zoos; others refused): MMEngine's own unpickle with code
   execution. It also sets ``sys.excepthook`` so that an uncaught checkpoint
   error (``mim test --checkpoint``, ``--resume``, ``load_from``) ends as
   its one line instead of a traceback through the runner.
3. :mod:`.cpu_distributed` replaces ``mmengine.dist.utils._init_dist_pytorch``
   where no GPU is usable, skipping its ``torch.cuda.set_device``, so that
   ``--launcher pytorch`` runs on CPUs with the gloo backend, and destroying
   the process group at exit (MMPose's scripts do not; gloo's threads then
   may abort the interpreter's end).

Each does nothing where its gap is absent; importing twice changes nothing.
"""
from .mmcv_ops import install_mmcv_ops_stand_ins

install_mmcv_ops_stand_ins()  # before the imports below load mmpose.models

from .checkpoint_loading import install_weights_only_loading  # noqa: E402
from .cpu_distributed import allow_cpu_distributed  # noqa: E402

install_weights_only_loading()
allow_cpu_distributed()

__all__ = [
    'install_mmcv_ops_stand_ins', 'install_weights_only_loading',
    'allow_cpu_distributed'
]
