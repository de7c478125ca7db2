"""The FashionAI competition metric as an MMEngine metric."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmpose.registry import METRICS

from fashionai_core.csv_io import write_submission
from fashionai_core.keypoints import CATEGORY_INDEX, NUM_KEYPOINTS, csv_columns
from fashionai_core.normalized_error import (NormalizedErrors,
                                             normalized_errors, summarize)
from fashionai_core.report import format_summary
from ..metainfo import keypoint_names


@METRICS.register_module()
class FashionAIMetric(BaseMetric):
    """Normalized error (NE) of the FashionAI keypoint challenge.

    Works with :class:`~fashionai_dataset.datasets.FashionAIDataset` of any
    category or ``'all'``: each sample's ``raw_ann_info`` carries the CSV row
    (``image_id``, ``image_category``, the 24 ground-truth points and their
    ``v``), and predictions are mapped to the 24 CSV columns by the keypoint
    names in ``dataset_meta``. See :mod:`.normalized_error` for the definition.

    Metrics (with the default prefix ``fashionai/``): ``NE`` in percent,
    ``NE/<category>``, ``NE/<keypoint>``, ``num_points``, ``num_images`` and
    ``num_images_without_normalizer``.

    Args:
        outfile (str, optional): If given, the predictions are also written
            there as a submission CSV (26 columns, in the annotation file's
            order). Defaults to None.
        format_only (bool): Only write ``outfile``, compute nothing; for test
            lists, which have no ground truth. Defaults to False.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for gathering results
            across ranks. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'fashionai'``.
    """
    default_prefix: Optional[str] = 'fashionai'

    def __init__(self,
                 outfile: Optional[str] = None,
                 format_only: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if format_only and not outfile:
            raise ValueError('FashionAIMetric: format_only=True needs an '
                             '`outfile` to write the submission to')
        self.outfile = outfile
        self.format_only = format_only

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        """Keep, per sample, the CSV row and the prediction in CSV columns.

        Args:
            data_batch: The batch from the dataloader (unused).
            data_samples: Outputs of the model; ``pred_instances.keypoints``
                has shape (1, K, 2) in original-image pixels.
        """
        columns = csv_columns(keypoint_names(self.dataset_meta))
        for data_sample in data_samples:
            row = data_sample['raw_ann_info']
            pred = np.full((NUM_KEYPOINTS, 2), np.nan)
            pred[columns] = np.asarray(
                data_sample['pred_instances']['keypoints'])[0, :, :2]
            self.results.append(
                dict(
                    row_index=row['row_index'],
                    image_id=row['image_id'],
                    category=row['image_category'],
                    pred=pred,
                    gt=row.get('keypoints'),
                    visibility=row.get('visibility')))

    @staticmethod
    def errors_of(results: List[dict]) -> NormalizedErrors:
        """Per-point errors of :meth:`process`'s results, in their order."""
        return normalized_errors(
            pred_keypoints=np.stack([r['pred'] for r in results]),
            gt_keypoints=np.stack([r['gt'] for r in results]),
            gt_visibility=np.stack([r['visibility'] for r in results]),
            category_ids=np.array(
                [CATEGORY_INDEX[r['category']] for r in results]))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute NE over all gathered samples (and write ``outfile``)."""
        logger = MMLogger.get_current_instance()
        results = sorted(results, key=lambda r: r['row_index'])
        if self.outfile:
            write_submission(self.outfile, [r['image_id'] for r in results],
                             [r['category'] for r in results],
                             np.stack([r['pred'] for r in results]))
            print_log(
                f'submission of {len(results)} images written to '
                f'{osp.abspath(self.outfile)}',
                logger=logger)
        if self.format_only:
            return {}
        if any(r['gt'] is None for r in results):
            raise ValueError(
                'FashionAIMetric: the evaluated dataset has no ground truth '
                '(a test list?); set format_only=True and an outfile')
        summary = summarize(self.errors_of(results))
        print_log('\n' + format_summary(summary), logger=logger)
        return summary
