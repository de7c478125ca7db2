"""A synthetic FashionAI-format dataset drawn from real garment geometry."""
from .generator import (COMPARISON_HEADER, NotSyntheticDataError,
                        compare_statistics, ensure_synthetic,
                        generate_synthetic, render_sample, synthetic_row)
from .shape_model import fit_shape_model, load_shape_model

__all__ = [
    'COMPARISON_HEADER', 'NotSyntheticDataError', 'compare_statistics',
    'ensure_synthetic', 'generate_synthetic', 'render_sample', 'synthetic_row',
    'fit_shape_model', 'load_shape_model'
]
