from .fashionai_metric import FashionAIMetric

__all__ = ['FashionAIMetric']
