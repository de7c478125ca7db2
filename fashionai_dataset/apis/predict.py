"""Predict FashionAI keypoints for a test CSV with one or more models."""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.model import BaseTTAModel
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_state_dict
from mmengine.utils import ProgressBar
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.models import build_pose_estimator
from mmpose.registry import MODELS
from torch import nn
from torch.utils.data import DataLoader

from fashionai_core.csv_io import FashionAIRecords, read_fashionai_csv
from fashionai_core.ensemble import normalized_weights
from fashionai_core.keypoints import (ALL_CATEGORIES, NUM_KEYPOINTS,
                                      check_category, csv_columns)
from fashionai_core.predictions import (check_model_category,
                                        check_models_cover, with_predictions)
from ..datasets import FashionAIDataset
from ..metainfo import fashionai_metainfo, keypoint_names
from ..models import PoseEnsemble
from ..stored_config import stored_config
from ..weights_only import read_checkpoint


def config_from_checkpoint(checkpoint: str) -> Config:
    """The training config stored in a checkpoint written by ``mim train``."""
    return stored_config(
        read_checkpoint(checkpoint).get('meta', {}), checkpoint)


def default_device(device: Optional[str] = None) -> str:
    """``device``, or the first GPU when there is one, else the CPU."""
    return device or ('cuda:0' if torch.cuda.is_available() else 'cpu')


def load_pose_model(checkpoint: str,
                    config: Optional[str] = None,
                    device: str = 'cpu',
                    flip_test: bool = True,
                    tta: bool = False) -> nn.Module:
    """Build a pose model from a config (or the checkpoint's own) and weights.

    Args:
        checkpoint: A checkpoint written by ``mim train``.
        config: Config file; defaults to the config stored in ``checkpoint``.
        device: ``'cpu'``, ``'cuda'``, ``'cuda:1'``, ...
        flip_test: Average with the prediction on the mirrored image.
        tta: Test on the config's ``tta_pipeline`` views, as its ``*_tta.py``
            config does (a ``*_tta`` config already does).

    Returns:
        nn.Module: The model in eval mode, with ``model.cfg``.

    Raises:
        ValueError: The config's test pipeline warps to another input size
            than its codec decodes (a codec changed without rebuilding the
            pipeline), or ``tta`` for a config without ``tta_pipeline``.
    """
    state = read_checkpoint(checkpoint)
    meta = state.get('meta', {})
    cfg = Config.fromfile(config) if config else stored_config(
        meta, checkpoint)
    if tta and not _is_tta(cfg.model):
        cfg = _with_tta(cfg, config or checkpoint)
    _check_codec_matches_pipeline(cfg, config or checkpoint)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    tta = _is_tta(cfg.model)
    # a *_tta config wraps the plain model, whose checkpoint it loads
    estimator = cfg.model.module if tta else cfg.model
    if 'backbone' in estimator:
        estimator.backbone.init_cfg = None  # the checkpoint has the weights
    estimator.train_cfg = None
    estimator.setdefault('test_cfg', {})['flip_test'] = flip_test
    model = MODELS.build(cfg.model) if tta else build_pose_estimator(cfg.model)
    weights = state.get('state_dict', state)
    _check_finite(weights, checkpoint)
    try:
        load_state_dict(model.module if tta else model, weights, strict=True)
    except RuntimeError as error:  # missing, unexpected or resized weights
        raise ValueError(
            f'{checkpoint}: its weights do not fit the config\'s model '
            f'({str(error).splitlines()[0][:200]}); pass the config it was '
            'trained with (--config)') from None
    # mmpose.apis.init_model would read a METAINFO class attribute, but a
    # FashionAI dataset's metainfo depends on its category; a checkpoint's
    # stored copy is checked against it, not believed
    model.dataset_meta = parse_pose_metainfo(
        fashionai_metainfo(_config_category(cfg)))
    _check_stored_metainfo(
        meta.get('dataset_meta'), model.dataset_meta, checkpoint)
    model.cfg = cfg
    model.checkpoint = checkpoint
    return model.to(device).eval()


def _check_finite(weights: Dict[str, torch.Tensor], checkpoint: str) -> None:
    """Raise ValueError if a weight holds NaN or infinity (a diverged or
    damaged model predicts garbage at finite-looking places)."""
    for name, tensor in weights.items():
        if torch.is_tensor(tensor) and tensor.is_floating_point() and (
                not torch.isfinite(tensor).all()):
            count = int((~torch.isfinite(tensor)).sum())
            raise ValueError(
                f'{checkpoint}: {count} values of {name} are NaN or '
                'infinite; expected finite weights (the training diverged, '
                'or the file was damaged)')


def _check_stored_metainfo(stored: Optional[dict], expected: dict,
                           checkpoint: str) -> None:
    """Raise ValueError naming what a checkpoint's stored ``dataset_meta``
    changes in the config's keypoints (count, names, flip pairs)."""
    if not stored:
        return
    for key, what in (('num_keypoints', 'the keypoint count'),
                      ('keypoint_id2name', 'the keypoint names'),
                      ('flip_indices', 'the flip pairs')):
        value = stored.get(key)
        if key == 'flip_indices' and value is not None:
            value = [int(i) for i in value]
        if key == 'keypoint_id2name' and isinstance(value, dict):
            value = {int(k): v for k, v in value.items()}
        if value != expected[key]:
            raise ValueError(
                f'{checkpoint}: its stored dataset_meta differs from the '
                f'config\'s keypoints in {what} ({key}); the file was edited '
                'or belongs to another config')


def _with_tta(cfg: Config, source: str) -> Config:
    """``cfg`` as its ``*_tta.py`` config: the model inside
    ``FashionAITTAModel``, tested on the config's ``tta_pipeline``."""
    if 'tta_pipeline' not in cfg:
        raise ValueError(f'{source}: its config has no tta_pipeline (the '
                         'views to test on); pass a *_tta config instead')
    cfg.model = dict(type='FashionAITTAModel', module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    return cfg


def _is_tta(model_cfg: dict) -> bool:
    """Whether a model config is a test-time augmentation wrapper."""
    model_type = model_cfg.get('type')
    if isinstance(model_type, str):
        model_type = MODELS.get(model_type)
    return isinstance(model_type, type) and issubclass(model_type,
                                                       BaseTTAModel)


def _config_category(cfg: Config) -> str:
    """The category of a config's test dataset (FashionAIDataset's default,
    ``'all'``, where it names none)."""
    return cfg.test_dataloader.dataset.get('category', ALL_CATEGORIES)


def model_category(model: nn.Module) -> str:
    """The category (or ``'all'``) whose keypoints a model predicts."""
    return _config_category(model.cfg)


def _check_codec_matches_pipeline(cfg: Config, source: str) -> None:
    """Raise if the test pipeline warps to another size than the codec's."""
    estimator = cfg.model.get('module', cfg.model)  # a TTA config's inner
    decoder = estimator.get('head', {}).get('decoder')
    if decoder is None:
        return
    pending = list(cfg.test_dataloader.dataset.pipeline)
    while pending:
        step = pending.pop()
        if step['type'] == 'TestTimeAug':
            pending.extend(s for views in step['transforms'] for s in views)
        elif step['type'] == 'TopdownAffine' and tuple(
                step['input_size']) != tuple(decoder['input_size']):
            raise ValueError(
                f'{source}: the test pipeline warps images to '
                f'{tuple(step["input_size"])} but the codec decodes '
                f'{tuple(decoder["input_size"])}; rebuild the pipeline '
                'with pipeline_for_codec')


def _dataset_for(model: nn.Module, test_csv: str, image_root: str,
                 category: str, bbox_file: Optional[str],
                 bbox_score_thr: Optional[float]) -> FashionAIDataset:
    """``category``'s rows, with the keypoints (and flip pairs) of the
    model's own category: an ``'all'`` model predicts all 24 for them."""
    pipeline = model.cfg.test_dataloader.dataset.pipeline
    if bbox_score_thr is None:  # the model's own, validated with it
        bbox_score_thr = bbox_score_thr_of(model.cfg)
    return FashionAIDataset(
        metainfo=fashionai_metainfo(model_category(model)),
        bbox_score_thr=bbox_score_thr,
        # mmengine would join a relative ann_file to data_root
        ann_file=osp.abspath(test_csv),
        category=category,
        data_root=image_root,
        data_prefix=dict(img=''),
        bbox_file=bbox_file,
        test_mode=True,
        pipeline=pipeline)


def bbox_score_thr_of(cfg: Config) -> float:
    """The lowest detection score a config's test dataset trusts."""
    return cfg.test_dataloader.dataset.get('bbox_score_thr', 0.0)


def _share_test_pipeline(models: Sequence[nn.Module]) -> bool:
    """Whether the models' test pipelines (box, affine, size) are one."""
    first = models[0].cfg.test_dataloader.dataset.pipeline
    return all(m.cfg.test_dataloader.dataset.pipeline == first for m in models)


def ensemble(members: Sequence[nn.Module],
             weights: Optional[Sequence[float]] = None) -> nn.Module:
    """One model for several models of a category that share a pipeline.

    Args:
        members: Models from :func:`load_pose_model` with the same test
            pipeline (input size, box, affine).
        weights: One per member; default: equal.

    Returns:
        nn.Module: A :class:`PoseEnsemble` (heatmap-level where the codecs
        agree, see there) with the first member's ``cfg``.

    Raises:
        ValueError: The members' test pipelines differ, or the members
            disagree (keypoints, input size; see :class:`PoseEnsemble`).
    """
    if not _share_test_pipeline(members):
        raise ValueError('the models differ in their test pipelines (input '
                         'size, box, affine); average their predictions '
                         'instead (predict_csv does)')
    model = PoseEnsemble(members=list(members), weights=weights)
    model.cfg = members[0].cfg
    return model.eval()


def _predict_category(model: nn.Module, test_csv: str, image_root: str,
                      category: str, batch_size: int, num_workers: int,
                      bbox_file: Optional[str], bbox_score_thr: Optional[float]
                      ) -> Dict[int, Tuple[np.ndarray, np.ndarray]]:
    """Row index -> points (24, 2) and their scores (24,) of one model on
    one category's rows (NaN outside the model's keypoints)."""
    dataset = _dataset_for(model, test_csv, image_root, category, bbox_file,
                           bbox_score_thr)
    columns = csv_columns(keypoint_names(dataset.metainfo))
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        num_workers=num_workers,
        collate_fn=pseudo_collate)
    points = {}
    progress = ProgressBar(len(dataset))
    with torch.no_grad():
        for batch in loader:
            for sample in model.test_step(batch):
                row = sample.metainfo['raw_ann_info']['row_index']
                predicted = np.full((NUM_KEYPOINTS, 2), np.nan)
                predicted[columns] = sample.pred_instances.keypoints[0]
                scores = np.full(NUM_KEYPOINTS, np.nan)
                scores[columns] = sample.pred_instances.keypoint_scores[0]
                points[row] = predicted, scores
                progress.update()
    print()
    return points


def predict_csv(models: Dict[str, Union[nn.Module, Sequence[nn.Module]]],
                test_csv: str,
                image_root: str,
                batch_size: int = 32,
                num_workers: int = 2,
                weights: Optional[Dict[str, Sequence[float]]] = None,
                bbox_file: Optional[str] = None,
                bbox_score_thr: Optional[float] = None) -> FashionAIRecords:
    """Predict every image of a test (or annotation) CSV.

    Args:
        models: Category (or ``'all'``) -> model, or several models whose
            predictions are averaged: in one pass with :func:`ensemble`
            when they share a test pipeline (heatmap-level where their
            codecs agree), else each on its own and their points averaged
            in original-image pixels. A category's own models are used for
            its images before an ``'all'`` model.
        test_csv: ``image_id,image_category`` list (annotation CSVs work too).
        image_root: Folder that ``image_id`` paths are relative to.
        batch_size: Images per forward pass.
        num_workers: Data loading processes.
        weights: Category -> one weight per model (default: equal).
        bbox_file: Detections (:mod:`fashionai_core.detections`): each
            image is predicted in its best box of its category, or whole
            when it has none scoring the model's test ``bbox_score_thr``
            (see :class:`FashionAIDataset`). Default: the models' own boxes
            (the whole image).
        bbox_score_thr: Lowest detection score used, for every model;
            default: each model's config's (its test dataset's).

    Returns:
        FashionAIRecords: The test rows in file order; ``keypoints`` holds
        the predictions (N, 24, 2) in original-image pixels and ``scores``
        their confidence (N, 24; the models' weighted mean), NaN for points
        the image's category does not define.

    Raises:
        ValueError: An image's category has no model, or weights do not
            match the models.
    """
    records = read_fashionai_csv(test_csv)
    weights = weights or {}
    for category, members in models.items():
        check_category(category)
        for member in (members
                       if isinstance(members, Sequence) else [members]):
            check_model_category(
                getattr(member, 'checkpoint', 'the model'),
                model_category(member), category)
    check_models_cover(records.categories, models, test_csv)
    predictions = np.full((len(records), NUM_KEYPOINTS, 2), np.nan)
    scores = np.full((len(records), NUM_KEYPOINTS), np.nan)
    done = np.zeros(len(records), dtype=bool)
    # category models first, so an 'all' model only fills what is left
    for category in sorted(models, key=lambda c: c == ALL_CATEGORIES):
        members = models[category]
        if isinstance(members, nn.Module):
            members = [members]
        try:
            member_weights = normalized_weights(
                weights.get(category), len(members))
        except ValueError as error:
            raise ValueError(f'--weights {category}: {error}') from None
        # a TTA model merges its views itself: it runs alone
        if len(members) > 1 and _share_test_pipeline(members) and not any(
                isinstance(m, BaseTTAModel) for m in members):
            members, member_weights = [ensemble(members, member_weights)], [1]
        rows_points: Dict[int, np.ndarray] = {}
        rows_scores: Dict[int, np.ndarray] = {}
        for member, weight in zip(members, member_weights):
            for row, (points, point_scores) in _predict_category(
                    member, test_csv, image_root, category, batch_size,
                    num_workers, bbox_file, bbox_score_thr).items():
                rows_points[row] = rows_points.get(row, 0) + weight * points
                rows_scores[row] = rows_scores.get(row,
                                                   0) + weight * point_scores
        for row, points in rows_points.items():
            if not done[row]:
                predictions[row] = points
                scores[row] = rows_scores[row]
                done[row] = True
    return with_predictions(records, predictions, scores)
