"""The FashionAI format without a deep-learning stack.

The keypoint definitions, the competition CSV files (reading with located
errors, writing atomically), the normalized error (NE) and the evaluation of
a submission: what ``tools/evaluate.py`` needs, importing numpy, the standard
library, ``tabulate`` and, for pictures only, matplotlib and OpenCV, but
neither torch nor MMPose; and the synthetic data generator
(:mod:`.synthetic`, numpy and OpenCV). The MMPose plugin,
:mod:`fashionai_dataset`, and the onnxruntime predictor,
:mod:`fashionai_deploy`, build on it.
"""
from .csv_io import (FashionAICSVError, FashionAIRecords, read_fashionai_csv,
                     write_submission)
from .keypoints import CATEGORIES, CATEGORY_KEYPOINTS, KEYPOINT_NAMES
from .normalized_error import (NormalizedErrors, normalized_errors,
                               normalizer_distances, per_image_ne, summarize)
from .report import format_summary
from .submission_evaluation import SubmissionEvaluation, evaluate_submission

__all__ = [
    'FashionAICSVError', 'FashionAIRecords', 'read_fashionai_csv',
    'write_submission', 'CATEGORIES', 'CATEGORY_KEYPOINTS', 'KEYPOINT_NAMES',
    'NormalizedErrors', 'normalized_errors', 'normalizer_distances',
    'per_image_ne', 'summarize', 'format_summary', 'SubmissionEvaluation',
    'evaluate_submission'
]
