"""Garment detector trained through mmdet (registers
``FashionAIGarmentDataset`` in mmdet's registry)."""
from .datasets import FashionAIGarmentDataset, garment_box

__all__ = ['FashionAIGarmentDataset', 'garment_box']
