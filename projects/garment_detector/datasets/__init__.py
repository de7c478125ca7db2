from .garment_dataset import FashionAIGarmentDataset, garment_box

__all__ = ['FashionAIGarmentDataset', 'garment_box']
