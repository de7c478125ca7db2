"""A trained checkpoint as a predictor on plain images (no CSV, no dataset).

The counterpart of :class:`fashionai_deploy.OnnxPoseModel` for PyTorch:
same attributes and ``predict``, so ``tools/infer.py`` takes either. The
images go through the config's own test pipeline with the whole image (or
a given box) as the box, as ``mmpose.apis.inference_topdown`` does, but in
batches.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate

from ..metainfo import keypoint_names
from .predict import bbox_score_thr_of, load_pose_model


class CheckpointPoseModel:
    """Predict one garment's keypoints per image with a checkpoint.

    Args:
        checkpoint: A checkpoint written by ``mim train``.
        config: Config file; defaults to the checkpoint's own.
        device: ``'cpu'``, ``'cuda:0'``, ...
        flip_test: Average with the mirrored image's prediction.
    """

    def __init__(self,
                 checkpoint: str,
                 config: Optional[str] = None,
                 device: str = 'cpu',
                 flip_test: bool = True) -> None:
        self.path = checkpoint
        self.model = load_pose_model(checkpoint, config, device, flip_test)
        self.pipeline = Compose(
            self.model.cfg.test_dataloader.dataset.pipeline)
        self.category: str = self.model.cfg.test_dataloader.dataset.category
        #: Lowest detection score the config trusts (0: every box).
        self.bbox_score_thr: float = bbox_score_thr_of(self.model.cfg)
        self.keypoint_names: List[str] = keypoint_names(
            self.model.dataset_meta)

    def predict(
        self,
        images: Sequence[np.ndarray],
        boxes: Optional[Sequence[Optional[np.ndarray]]] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints of the garment in each image.

        Args:
            images: BGR images (H, W, 3), uint8, any sizes.
            boxes: The garment's box in each image, ``[x1, y1, x2, y2]``
                pixels, or None for the whole image (the default for all).

        Returns:
            tuple: keypoints (N, K, 2) in each image's pixels and scores
            (N, K), K = ``len(self.keypoint_names)``.
        """
        samples = []
        for image, box in zip(images, boxes or [None] * len(images)):
            height, width = image.shape[:2]
            if box is None:
                box = np.array([0, 0, width, height], dtype=np.float32)
            info = dict(
                img=image,
                bbox=np.asarray(box, dtype=np.float32).reshape(1, 4),
                bbox_score=np.ones(1, dtype=np.float32))
            info.update(self.model.dataset_meta)
            samples.append(self.pipeline(info))
        with torch.no_grad():
            results = self.model.test_step(pseudo_collate(samples))
        keypoints = np.stack([r.pred_instances.keypoints[0] for r in results])
        scores = np.stack(
            [r.pred_instances.keypoint_scores[0] for r in results])
        return keypoints, scores
