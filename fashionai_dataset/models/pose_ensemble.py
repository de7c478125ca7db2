"""Several top-down models of one category, averaged."""
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpose.utils.tensor_utils import to_numpy
from torch import nn

from fashionai_core.ensemble import normalized_weights


def can_average_heatmaps(members: Sequence[nn.Module]) -> bool:
    """Whether the members' heatmaps can be averaged before decoding.

    True when every member has a heatmap head (its decoder makes
    ``heatmap_size`` maps) with the same codec: the maps then share one
    grid and one decoding.
    """
    decoders = [
        getattr(getattr(member, 'head', None), 'decoder', None)
        for member in members
    ]
    if any(d is None or not hasattr(d, 'heatmap_size') for d in decoders):
        return False
    first = _codec_config(decoders[0])
    return all(_codec_config(d) == first for d in decoders[1:])


def _check_members_agree(members: Sequence[nn.Module]) -> None:
    """Raise unless the members predict the same points from one input."""
    for what, value in (('keypoints', _num_keypoints), ('codec input size',
                                                        _input_size)):
        values = [value(m) for m in members]
        if any(v != values[0] for v in values[1:]):
            raise ValueError(
                f'PoseEnsemble: the members differ in {what} ({values}); '
                'an ensemble averages models of one category that see the '
                'same input')


def _num_keypoints(member: nn.Module) -> Optional[int]:
    head = getattr(member, 'head', None)
    return getattr(head, 'out_channels', getattr(head, 'num_joints', None))


def _input_size(member: nn.Module) -> Optional[tuple]:
    decoder = getattr(getattr(member, 'head', None), 'decoder', None)
    return tuple(decoder.input_size) if decoder is not None else None


def _codec_config(codec) -> tuple:
    return (type(codec).__name__, tuple(codec.input_size),
            tuple(codec.heatmap_size), float(getattr(codec, 'sigma', 0)),
            bool(getattr(codec, 'unbiased', False)))


@MODELS.register_module()
class PoseEnsemble(BaseModel):
    """Average the predictions of several top-down models.

    The members see the same test pipeline, so they must share the input
    size (``tools/predict.py`` averages models of different input sizes by
    running each on its own). With one heatmap codec for all (same type,
    input and heatmap size, sigma), the members' flip-averaged heatmaps are
    averaged with the weights and decoded once; otherwise (e.g. heatmaps
    beside SimCC or regression) their points in original-image pixels are.

    Args:
        members: Top-down model configs, or built models; their weights
            load from a checkpoint with ``members.<i>.`` keys
            (``tools/merge_checkpoints.py``).
        weights: One per member, non-negative; default: equal.
        data_preprocessor: Unused: each member preprocesses for itself.

    Note:
        ``N`` images, ``K`` keypoints; every member predicts the same ``K``.
    """

    def __init__(self,
                 members: Sequence[Union[dict, nn.Module]],
                 weights: Optional[Sequence[float]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(members) < 1:
            raise ValueError('PoseEnsemble: no members')
        self.members = nn.ModuleList([
            m if isinstance(m, nn.Module) else MODELS.build(m) for m in members
        ])
        try:
            self.weights = normalized_weights(weights, len(members))
        except ValueError as error:
            raise ValueError(f'PoseEnsemble: {error}') from None
        _check_members_agree(self.members)
        self.average_heatmaps = can_average_heatmaps(self.members)
        if self.average_heatmaps:
            self.codec = self.members[0].head.decoder
            for member in self.members:
                # the flip-averaged maps, before decoding, in pred_fields
                member.test_cfg['output_heatmaps'] = True

    @property
    def dataset_meta(self) -> Optional[dict]:
        return getattr(self.members[0], 'dataset_meta', None)

    @dataset_meta.setter
    def dataset_meta(self, meta: Optional[dict]) -> None:
        for member in self.members:
            member.dataset_meta = meta

    def test_step(self, data: dict) -> List[PoseDataSample]:
        """Predict with every member and average; see the class."""
        outputs = [member.test_step(data) for member in self.members]
        return [self._merge(list(samples)) for samples in zip(*outputs)]

    def _merge(self, samples: List[PoseDataSample]) -> PoseDataSample:
        """One image's members' predictions, averaged."""
        first = samples[0]
        if self.average_heatmaps:
            maps = [to_numpy(s.pred_fields.heatmaps) for s in samples]
            heatmaps = sum(w * m for w, m in zip(self.weights, maps))
            keypoints, scores = self.codec.decode(
                heatmaps.astype(maps[0].dtype))
            # as TopdownPoseEstimator.add_pred_to_datasample maps them, in
            # its dtypes: two copies of a model give its very numbers
            meta = first.metainfo
            keypoints = (
                keypoints / meta['input_size'] * meta['input_scale'] +
                meta['input_center'] - 0.5 * meta['input_scale'])
        else:
            keypoints = sum(w *
                            np.asarray(s.pred_instances.keypoints, np.float64)
                            for w, s in zip(self.weights, samples))
            scores = sum(w * np.asarray(s.pred_instances.keypoint_scores)
                         for w, s in zip(self.weights, samples))
        pred = InstanceData()
        pred.keypoints = np.asarray(keypoints)
        pred.keypoint_scores = np.asarray(scores)
        pred.keypoints_visible = pred.keypoint_scores
        first.pred_instances = pred
        return first

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        raise NotImplementedError(
            'PoseEnsemble only predicts (test_step); train its members')
