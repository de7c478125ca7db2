from .fashionai_dataset import FashionAIDataset

__all__ = ['FashionAIDataset']
