"""DenseNet backbones for the FashionAI configs (registers ``DenseNet``)."""
from .models import DenseNet

__all__ = ['DenseNet']
