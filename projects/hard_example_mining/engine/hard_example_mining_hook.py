"""Oversample the training images the model currently gets most wrong."""
import copy
from typing import Optional

import numpy as np
import torch
from mmengine.dataset import DefaultSampler, pseudo_collate
from mmengine.dist import broadcast_object_list, collect_results, get_rank
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar
from mmpose.registry import DATASETS, HOOKS
from torch.utils.data import DataLoader

from fashionai_core.normalized_error import per_image_ne
from fashionai_dataset.evaluation import FashionAIMetric
from .hard_example_sampler import HardExampleSampler


@HOOKS.register_module()
class HardExampleMiningHook(Hook):
    """Weight the training images by their current NE.

    Every ``interval`` epochs (from ``begin`` on, not after the last) the
    model predicts every training image with the test pipeline (no
    augmentation, the config's flip test), the FashionAI NE of each image is
    computed as the metric does, and the ``hard_fraction`` of images with the
    largest NE get
    ``oversample`` times the sampling weight of the others in the
    :class:`HardExampleSampler` the training dataloader must use. (The
    validation images cannot be the ones mined: they are never trained on.)

    Config::

        train_dataloader = dict(sampler=dict(type='HardExampleSampler'))
        custom_hooks = [dict(type='HardExampleMiningHook')]

    Args:
        interval: Mine every this many epochs.
        begin: First epoch (1-based) after which to mine; before, the model
            is too untrained for its errors to mean much.
        hard_fraction: Share of the images counted as hard, in (0, 1).
        oversample: Weight of a hard image relative to the others (>= 1).
        batch_size: Images per inference batch; default: the validation
            dataloader's.
    """
    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 begin: int = 1,
                 hard_fraction: float = 0.25,
                 oversample: float = 3.0,
                 batch_size: Optional[int] = None) -> None:
        if not 0 < hard_fraction < 1:
            raise ValueError('HardExampleMiningHook: hard_fraction must be in '
                             f'(0, 1), got {hard_fraction}')
        if oversample < 1:
            raise ValueError('HardExampleMiningHook: oversample must be >= 1, '
                             f'got {oversample}')
        self.interval = interval
        self.begin = begin
        self.hard_fraction = hard_fraction
        self.oversample = oversample
        self.batch_size = batch_size
        self._mining_loader: Optional[DataLoader] = None

    def before_train(self, runner) -> None:
        sampler = runner.train_dataloader.sampler
        if not isinstance(sampler, HardExampleSampler):
            raise TypeError(
                'HardExampleMiningHook needs train_dataloader.sampler = '
                "dict(type='HardExampleSampler'); the config has "
                f'{type(sampler).__name__}')

    def _loader(self, runner) -> DataLoader:
        """The training images through the test pipeline, this rank's part."""
        if self._mining_loader is None:
            cfg = runner.cfg
            dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
            dataset_cfg.pipeline = copy.deepcopy(
                cfg.val_dataloader.dataset.pipeline)
            dataset = DATASETS.build(dataset_cfg)
            if len(dataset) != len(runner.train_dataloader.dataset):
                raise RuntimeError(
                    'HardExampleMiningHook: the training set with the test '
                    f'pipeline has {len(dataset)} samples, training has '
                    f'{len(runner.train_dataloader.dataset)}')
            self._mining_loader = DataLoader(
                dataset,
                batch_size=self.batch_size
                or cfg.val_dataloader.get('batch_size', 32),
                sampler=DefaultSampler(dataset, shuffle=False, round_up=False),
                num_workers=cfg.val_dataloader.get('num_workers', 0),
                collate_fn=pseudo_collate)
        return self._mining_loader

    @torch.no_grad()
    def mine(self, runner) -> np.ndarray:
        """Predict the training set; return each image's NE (percent)."""
        loader = self._loader(runner)
        model = runner.model
        metric = FashionAIMetric()
        metric.dataset_meta = loader.dataset.metainfo
        bar = ProgressBar(len(loader)) if get_rank() == 0 else None
        model.eval()
        for batch in loader:
            # as MMEngine's Evaluator hands them to metrics
            outputs = [sample.to_dict() for sample in model.test_step(batch)]
            metric.process(batch, outputs)
            if bar is not None:
                bar.update()
        model.train()
        gathered = collect_results(metric.results, len(loader.dataset))
        message = [None]
        if get_rank() == 0:
            gathered = sorted(gathered, key=lambda r: r['row_index'])
            message = [per_image_ne(FashionAIMetric.errors_of(gathered))]
        broadcast_object_list(message)
        return message[0]

    def after_train_epoch(self, runner) -> None:
        epoch = runner.epoch + 1
        # weights set after the last epoch would never be used
        if (epoch < self.begin or epoch >= runner.max_epochs
                or not self.every_n_epochs(runner, self.interval)):
            return
        runner.logger.info(
            f'HardExampleMiningHook: predicting the '
            f'{len(self._loader(runner).dataset)} training images')
        errors = self.mine(runner)
        # images without a point that counts are neither hard nor easy
        known = ~np.isnan(errors)
        if not known.any():
            runner.logger.warning(
                'HardExampleMiningHook: no training image has a point that '
                'counts in the NE; sampling stays as it was')
            return
        threshold = np.quantile(errors[known], 1 - self.hard_fraction)
        hard = known & (errors >= threshold)
        weights = np.where(hard, self.oversample, 1.0)
        runner.train_dataloader.sampler.set_weights(weights)
        runner.logger.info(
            f'HardExampleMiningHook: training NE {np.nanmean(errors):.2f}%; '
            f'{int(hard.sum())} images with NE >= {threshold:.2f}% are drawn '
            f'{self.oversample:g}x as often (mean NE of these '
            f'{errors[hard].mean():.2f}%)')
