"""Config helpers of the two-stage cascade (used by this project's configs)."""
import inspect
from typing import Dict, List, Sequence, Tuple

from mmengine.config import Config
from mmpose.datasets.transforms import PackPoseInputs

from fashionai_dataset.config_utils import update_step

#: PackPoseInputs' own meta keys, plus the image stage 2 crops from.
META_KEYS_WITH_ORIGINAL = tuple(
    inspect.signature(PackPoseInputs).parameters['meta_keys'].default) + (
        'original_img', )
STAGE1_ONLY_STEPS = ('LoadImage', 'CascadeCropJitter')


def _after_load(pipeline: Sequence[Dict], step: Dict) -> List[Dict]:
    steps = [dict(s) for s in pipeline]
    (load, ) = [i for i, s in enumerate(steps) if s['type'] == 'LoadImage']
    return steps[:load + 1] + [step] + steps[load + 1:]


def stage2_pipelines(base, stage1_error: float,
                     margin: float) -> Tuple[List[Dict], List[Dict]]:
    """Training and validation pipelines that train a config as stage 2.

    Training crops come from :class:`CascadeCropJitter` with
    ``stage1_error``; ``GetBBoxCenterScale`` adds no padding (the margin is
    the crop's); ``RandomBBoxTransform`` keeps its rotation but no shift or
    scale (the jitter is that augmentation, sized like stage 1's error).
    Validation crops are the true points' crops.

    Args:
        base: The calling config's ``_base_`` (its dataloaders' pipelines).
        stage1_error: As measured by ``tools/measure_stage1_error.py``.
        margin: Crop margin (fraction of the points' extent).

    Returns:
        tuple: ``train_pipeline``, ``val_pipeline``.
    """
    train = update_step(
        update_step(
            _after_load(
                base.train_dataloader.dataset.pipeline,
                dict(
                    type='CascadeCropJitter',
                    stage1_error=stage1_error,
                    margin=margin)), 'GetBBoxCenterScale',
            padding=1.0), 'RandomBBoxTransform',
        shift_prob=0.0,
        scale_prob=0.0)
    val = update_step(
        _after_load(base.val_dataloader.dataset.pipeline,
                    dict(type='CascadeCropJitter', margin=margin)),
        'GetBBoxCenterScale',
        padding=1.0)
    return train, val


def cascade_overrides(base, stage1: str, stage2: str,
                      edge_cells: float = 1.0) -> Tuple[Dict, Dict, Dict]:
    """The model and test dataloaders of a cascade of two configs.

    Args:
        base: ``_base_`` of the calling config, which should inherit the
            stage-1 config (data, test pipeline, metric and runtime come
            from it).
        stage1: Path of the stage-1 config.
        stage2: Path of the stage-2 config (with ``crop_margin``).
        edge_cells: As ``CascadeTopdownPoseEstimator``.

    Returns:
        tuple: ``model``, ``val_dataloader``, ``test_dataloader``.
    """
    first, second = Config.fromfile(stage1), Config.fromfile(stage2)
    crop_pipeline = [
        dict(step) for step in second.val_dataloader.dataset.pipeline
        if step['type'] not in STAGE1_ONLY_STEPS
    ]
    model = dict(
        _delete_=True,
        type='CascadeTopdownPoseEstimator',
        stage1=first.model.to_dict(),
        stage2=second.model.to_dict(),
        crop_pipeline=crop_pipeline,
        margin=second.crop_margin,
        edge_cells=edge_cells,
        test_cfg=dict(flip_test=True),
        data_preprocessor=first.model.data_preprocessor.to_dict())
    pipeline = update_step(
        _after_load(base.test_dataloader.dataset.pipeline,
                    dict(type='KeepOriginalImage')),
        'PackPoseInputs',
        meta_keys=META_KEYS_WITH_ORIGINAL)
    loader = dict(dataset=dict(pipeline=pipeline))
    return model, loader, loader
