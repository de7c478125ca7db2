"""Turn any FashionAI heatmap config into its direct-regression version."""
from typing import Dict, List, Tuple

from fashionai_dataset.config_utils import pipeline_for_codec


def as_regression(base, in_channels: int
                  ) -> Tuple[Dict, Dict, Dict, Dict, Dict, List[Dict]]:
    """Overrides that swap a heatmap config's codec and head for DeepPose's.

    The backbone, data, runtime and metric stay; the codec becomes MMPose's
    ``RegressionLabel`` at the same input size, a global average pooling
    neck and a ``RegressionHead`` (smooth L1 loss) replace the heatmap
    head, flip test shifts coordinates as MMPose's regression configs do,
    and ``CollapseDetectionHook`` joins the hooks::

        _base_ = ['.../configs/fashionai/_base_/res50.py']
        from projects.regression_baseline.regression_config import \\
            as_regression
        (codec, model, train_dataloader, val_dataloader, test_dataloader,
         custom_hooks) = as_regression(_base_, in_channels=2048)

    Args:
        base: The calling config's ``_base_`` (codec, pipelines, hooks).
        in_channels: Channels of the backbone's last feature map.

    Returns:
        tuple: ``codec``, ``model``, ``train_dataloader``,
        ``val_dataloader``, ``test_dataloader`` and ``custom_hooks``.
    """
    codec = dict(type='RegressionLabel', input_size=base.codec['input_size'])
    model = dict(
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            _delete_=True,
            type='RegressionHead',
            in_channels=in_channels,
            num_joints=24,
            loss=dict(type='SmoothL1Loss', use_target_weight=True),
            decoder=codec),
        test_cfg=dict(_delete_=True, flip_test=True, shift_coords=True))
    val_loader = dict(
        dataset=dict(pipeline=pipeline_for_codec(base.val_pipeline, codec)))
    # the top-level codec replaces the heatmap codec, not merged into it
    return (dict(codec, _delete_=True), model,
            dict(
                dataset=dict(
                    pipeline=pipeline_for_codec(base.train_pipeline, codec))),
            val_loader, val_loader,
            list(base.custom_hooks) + [dict(type='CollapseDetectionHook')])
