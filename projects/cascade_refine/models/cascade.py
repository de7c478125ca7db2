"""Two top-down models in sequence: whole image, then a crop around it."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.dataset import pseudo_collate
from mmengine.model import BaseModel
from mmpose.registry import MODELS

from fashionai_core.keypoints import (CATEGORY_DEFINES, CATEGORY_INDEX,
                                      KEYPOINT_NAMES)
from ..datasets.transforms import crop_box


@MODELS.register_module()
class CascadeTopdownPoseEstimator(BaseModel):
    """Stage 1 on the whole image, stage 2 on a crop around its points.

    For each image, stage 1 predicts the keypoints; the crop is the
    :func:`crop_box` of the points the image's category defines, grown by
    ``margin`` (kept inside the image, at least ``MIN_CROP`` of it); stage 2
    predicts on that crop, taken from the full-resolution image
    (``KeepOriginalImage`` in the test pipeline), so each of its input pixels
    covers less of the garment. A stage-2 point within
    ``edge_cells`` heatmap cells of the crop's border may belong outside the
    crop; stage 1's point is kept for it (and for a non-finite one).

    Inference only: each stage trains with its own config (stage 2 on
    ``CascadeCropJitter`` crops). The weights are the two stages'
    checkpoints merged by ``tools/merge_stage_checkpoints.py`` (keys
    ``stage1.*`` and ``stage2.*``).

    Args:
        stage1: Model config of stage 1 (any FashionAI top-down model).
        stage2: Model config of stage 2.
        crop_pipeline: Transforms from a crop box to stage 2's input:
            ``GetBBoxCenterScale(padding=1.0)``, ``TopdownAffine`` and
            ``PackPoseInputs`` of stage 2's config.
        margin: Crop margin, a fraction of the longer side of the points'
            box (use stage 2's training value).
        edge_cells: Border width, in stage-2 input pixels per heatmap cell
            (input / heatmap size); 0 keeps every stage-2 point.
        train_cfg: Ignored (the cascade does not train); accepted as every
            pose estimator's.
        test_cfg: ``flip_test`` here applies to both stages.
        data_preprocessor: Stage 1's.
    """

    #: Smallest crop side, as a fraction of the image's longer side.
    MIN_CROP = 0.1

    def __init__(self,
                 stage1: Dict,
                 stage2: Dict,
                 crop_pipeline: Sequence[Dict],
                 margin: float = 0.15,
                 edge_cells: float = 1.0,
                 train_cfg: Optional[Dict] = None,
                 test_cfg: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        test_cfg = dict(test_cfg or {})
        self.stage1 = MODELS.build(self._with_test_cfg(stage1, test_cfg))
        self.stage2 = MODELS.build(self._with_test_cfg(stage2, test_cfg))
        self.crop_pipeline = Compose(list(crop_pipeline))
        self.margin = margin
        codec = stage2['head']['decoder']
        input_width = codec['input_size'][0]
        heatmap_width = codec.get('heatmap_size', codec['input_size'])[0]
        self.edge = edge_cells * input_width / heatmap_width
        self.test_cfg = test_cfg

    @staticmethod
    def _with_test_cfg(model: Dict, test_cfg: Dict) -> Dict:
        model = dict(model)
        model['test_cfg'] = dict(model.get('test_cfg') or {}, **test_cfg)
        # the merged checkpoint holds the weights
        if 'backbone' in model:
            model['backbone'] = dict(model['backbone'], init_cfg=None)
        return model

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'predict'):
        """Only ``mode='predict'``: train the stages with their configs."""
        if mode != 'predict':
            raise NotImplementedError(
                'CascadeTopdownPoseEstimator only predicts; train stage 1 and '
                'stage 2 with their own configs')
        return self.predict(inputs, data_samples)

    def _defined(self, sample, num_points: int) -> np.ndarray:
        """Which of the model's points the image's category defines."""
        if num_points != len(KEYPOINT_NAMES):
            return np.ones(num_points, dtype=bool)
        category = sample.metainfo['raw_ann_info']['image_category']
        return CATEGORY_DEFINES[CATEGORY_INDEX[category]]

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Predict keypoints in original-image pixels, both stages."""
        samples = self.stage1.predict(inputs, data_samples)
        crops, boxes = [], []
        for sample in samples:
            points = np.asarray(sample.pred_instances.keypoints)[0]
            box = self._crop(points[self._defined(sample, len(points))],
                             sample.metainfo['original_img'].shape[:2])
            boxes.append(box)
            crops.append(
                self.crop_pipeline(
                    dict(
                        img=sample.metainfo['original_img'],
                        bbox=box[None],
                        bbox_score=np.ones(1, dtype=np.float32),
                        flip_indices=sample.metainfo['flip_indices'],
                        id=sample.metainfo.get('id'))))
        batch = self.stage2.data_preprocessor(pseudo_collate(crops), False)
        refined = self.stage2.predict(batch['inputs'], batch['data_samples'])
        for sample, crop, box in zip(samples, refined, boxes):
            coarse = np.asarray(sample.pred_instances.keypoints)
            fine = np.asarray(crop.pred_instances.keypoints)
            fine_scores = np.asarray(crop.pred_instances.keypoint_scores)
            near_edge = self._near_edge(
                fine[0], crop.metainfo) | ~np.isfinite(fine[0]).all(axis=-1)
            fine[0, near_edge] = coarse[0, near_edge]
            fine_scores[0, near_edge] = np.asarray(
                sample.pred_instances.keypoint_scores)[0, near_edge]
            sample.pred_instances.keypoints = fine
            sample.pred_instances.keypoint_scores = fine_scores
        return samples

    def _crop(self, points: np.ndarray, image_shape) -> np.ndarray:
        """Stage 2's box ``[x1, y1, x2, y2]`` around stage-1 ``points``.

        Points are first clipped into the image (an untrained stage 1 can
        put them anywhere); the box is at least ``MIN_CROP`` of the image's
        longer side and lies within the image.
        """
        height, width = image_shape
        finite = np.isfinite(points).all(axis=1)
        if not finite.any():
            return np.array([0, 0, width, height], dtype=np.float32)
        inside = np.clip(points[finite], 0, [width, height])
        box = crop_box(inside, self.margin)
        center = (box[:2] + box[2:]) / 2
        half = np.maximum((box[2:] - box[:2]) / 2,
                          self.MIN_CROP * max(width, height) / 2)
        box = np.concatenate([center - half, center + half])
        return np.clip(box, 0,
                       [width, height, width, height]).astype(np.float32)

    def _near_edge(self, points: np.ndarray, meta: Dict) -> np.ndarray:
        """Points (K, 2) in image pixels within ``self.edge`` of the crop's
        border, measured in stage-2 input pixels; shape (K,), bool."""
        size = np.asarray(meta['input_size'], dtype=np.float64)
        scale = np.asarray(meta['input_scale'], dtype=np.float64)
        center = np.asarray(meta['input_center'], dtype=np.float64)
        in_crop = (points - center + 0.5 * scale) / scale * size
        return ((in_crop < self.edge) | (in_crop > size - self.edge)).any(-1)
