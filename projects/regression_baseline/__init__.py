"""Regression baselines and collapse detection (registers
``CollapseDetectionHook``)."""
from .hooks import CollapseDetectionHook

__all__ = ['CollapseDetectionHook']
