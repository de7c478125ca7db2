"""Experiments built on the plugin (see projects/README.md).

Importing the plugin first installs its stand-ins for the pinned stack's
missing pieces (mmcv ops) before any project imports MMPose's models.
"""
import fashionai_dataset  # noqa: F401
