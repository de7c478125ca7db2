"""``mim test mmdet`` for the garment detector where mmcv has no compiled ops.

Usage:
    python projects/garment_detector/tools/test.py CONFIG CHECKPOINT [ARGS]

mmdet's ``tools/test.py`` imports ``mmdet.evaluation``, and with it
``mmcv.ops``, before the config's ``custom_imports`` can install the
``mmcv.ops`` stand-ins of :mod:`fashionai_patches`, so with the pinned
mmcv-lite it stops at ``No module named 'mmcv._ext'`` (``mim train mmdet``
is not affected). This runs that same script, with the same arguments,
after importing :mod:`fashionai_patches`. With a compiled mmcv,
``mim test mmdet`` works as it is.
"""
import os.path as osp
import runpy
import sys

import mmdet

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)

if __name__ == '__main__':
    script = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'test.py')
    sys.argv[0] = script
    runpy.run_path(script, run_name='__main__')
