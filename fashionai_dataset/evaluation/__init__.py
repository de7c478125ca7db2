from .fashionai_metric import FashionAIMetric
from .normalized_error import (NormalizedErrors, normalized_errors,
                               normalizer_distances, summarize)
from .plot import plot_evaluation
from .report import format_summary
from .submission_evaluation import SubmissionEvaluation, evaluate_submission

__all__ = [
    'FashionAIMetric', 'NormalizedErrors', 'normalized_errors',
    'normalizer_distances', 'summarize', 'format_summary',
    'evaluate_submission', 'SubmissionEvaluation', 'plot_evaluation'
]
