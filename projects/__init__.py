"""Experiments built on the plugin (see projects/README.md).

The plugin is imported first: where mmcv has no compiled ops and
:mod:`fashionai_patches` was not imported, its import error says so before
a project's import of MMPose's models fails with a bare ``mmcv._ext``.
"""
import fashionai_dataset  # noqa: F401
