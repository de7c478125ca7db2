"""Warn when a keypoint model predicts the same thing for every image."""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


def prediction_spread_ratio(pred: np.ndarray,
                            gt: np.ndarray,
                            annotated: np.ndarray,
                            min_images: int = 4) -> float:
    """How much predictions vary across images, relative to the truth.

    Per keypoint, the standard deviation across images of the predicted
    coordinates over that of the ground truth, on the images where the point
    is annotated; the mean over keypoints annotated in at least
    ``min_images`` images (and with a non-zero ground-truth spread).

    Args:
        pred: Predicted points, shape (N, K, 2), in any unit shared with
            ``gt`` (e.g. fractions of each image's box).
        gt: Ground truth, shape (N, K, 2).
        annotated: Shape (N, K), bool.
        min_images: Fewer annotated images give no estimate for a point.

    Returns:
        float: About 1 for a model that follows the images, near 0 for one
        that outputs a constant layout; NaN when no point qualifies.
    """
    ratios = []
    for point in range(pred.shape[1]):
        rows = annotated[:, point]
        if rows.sum() < min_images:
            continue
        gt_spread = gt[rows, point].std(axis=0).mean()
        if gt_spread > 0:
            ratios.append(pred[rows, point].std(axis=0).mean() / gt_spread)
    return float(np.mean(ratios)) if ratios else float('nan')


def heatmap_peak_height(heatmaps: torch.Tensor) -> torch.Tensor:
    """Height of each heatmap's maximum over its median.

    Args:
        heatmaps: Shape (N, K, H, W).

    Returns:
        torch.Tensor: Shape (N, K). Targets peak at 1 over a background of
        0; a model that learned a uniform map gives about 0.
    """
    flat = heatmaps.detach().float().flatten(2)
    return flat.amax(dim=2) - flat.median(dim=2).values


@HOOKS.register_module()
class CollapseDetectionHook(Hook):
    """Detect a collapsed model during validation and testing.

    Direct coordinate regression can settle on one constant layout for
    every image (the mean pose), and heatmap models on uniform maps; both
    still lower their loss for a while and are easy to miss in a loss curve.
    After each validation (and test) epoch this hook logs

    * ``collapse/prediction_spread``: :func:`prediction_spread_ratio` of the
      predicted keypoints, as fractions of each image's box;
    * ``collapse/heatmap_peak`` (heatmap heads only): mean
      :func:`heatmap_peak_height` of the predicted (flip-averaged) heatmaps
      over annotated points (the hook turns on MMPose's
      ``test_cfg.output_heatmaps`` while it measures),

    as scalars beside the metrics, and a warning naming the symptom when
    the spread is below ``min_spread`` or the peak below ``min_peak``.
    Usable from any MMPose config::

        custom_imports = dict(imports=['projects.regression_baseline'])
        custom_hooks = [dict(type='CollapseDetectionHook')]

    Args:
        min_spread: Warn below this spread ratio.
        min_peak: Warn below this heatmap peak height (targets peak at 1).
        min_images: Fewer images per point give no spread estimate.
    """
    priority = 'NORMAL'  # before LoggerHook, which logs the scalars

    def __init__(self,
                 min_spread: float = 0.25,
                 min_peak: float = 0.1,
                 min_images: int = 4) -> None:
        self.min_spread = min_spread
        self.min_peak = min_peak
        self.min_images = min_images
        self._output_heatmaps = False
        self._reset()

    def _reset(self) -> None:
        self._pred: List[np.ndarray] = []
        self._gt: List[np.ndarray] = []
        self._annotated: List[np.ndarray] = []
        self._peaks: List[np.ndarray] = []

    @staticmethod
    def _test_cfg(runner) -> dict:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if getattr(model, 'test_cfg', None) is None:
            model.test_cfg = {}
        return model.test_cfg

    # MMEngine's Hook sends each val/test epoch and iteration here, with
    # its mode (as IterTimerHook uses it); training is not watched
    def _before_epoch(self, runner, mode: str = 'train') -> None:
        if mode == 'train':
            return
        self._reset()
        # MMPose's own switch: heatmap heads then return their (flip-
        # averaged) heatmaps with the predictions; restored afterwards
        test_cfg = self._test_cfg(runner)
        self._output_heatmaps = test_cfg.get('output_heatmaps', False)
        test_cfg['output_heatmaps'] = True

    def _after_iter(self,
                    runner,
                    batch_idx: int,
                    data_batch=None,
                    outputs: Optional[Sequence] = None,
                    mode: str = 'train') -> None:
        if mode == 'train':
            return
        for sample in outputs or []:
            gt = sample.gt_instances
            bbox = np.asarray(gt.bboxes, dtype=np.float64)[0]
            origin = bbox[:2]
            size = max(bbox[2] - bbox[0], bbox[3] - bbox[1], 1.0)
            annotated = np.asarray(gt.keypoints_visible)[0] > 0
            self._pred.append(
                (np.asarray(sample.pred_instances.keypoints)[0, :, :2] -
                 origin) / size)
            self._gt.append((np.asarray(gt.keypoints)[0] - origin) / size)
            self._annotated.append(annotated)
            fields = sample.get('pred_fields')
            if fields is not None and 'heatmaps' in fields:
                heatmaps = torch.as_tensor(fields.heatmaps)[None]
                peaks = heatmap_peak_height(heatmaps)[0].cpu().numpy()
                self._peaks.append(peaks[annotated])

    def _after_epoch(self, runner, mode: str = 'train') -> None:
        if mode == 'train':
            return
        self._test_cfg(runner)['output_heatmaps'] = self._output_heatmaps
        if not self._pred:
            return
        spread = prediction_spread_ratio(
            np.stack(self._pred), np.stack(self._gt),
            np.stack(self._annotated), self.min_images)
        hub = runner.message_hub
        hub.update_scalar(f'{mode}/collapse/prediction_spread', spread)
        problems = []
        if spread < self.min_spread:
            problems.append(
                f'predictions vary across images only {spread:.2f} times as '
                f'much as the ground truth (below {self.min_spread}): the '
                'model outputs nearly the same layout for every image')
        if self._peaks:
            peak = float(np.concatenate(self._peaks).mean())
            hub.update_scalar(f'{mode}/collapse/heatmap_peak', peak)
            if peak < self.min_peak:
                problems.append(
                    f'its heatmaps peak only {peak:.3f} above their median '
                    f'(targets: 1; below {self.min_peak}): nearly uniform '
                    'maps')
        if problems:
            runner.logger.warning(
                f'CollapseDetectionHook: the model has collapsed on '
                f'{len(self._pred)} {mode} images: ' + '; '.join(problems) +
                '. Check the learning rate, the loss and the targets.')
        self._reset()
