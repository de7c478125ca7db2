"""Submissions from exported models, without torch: the onnxruntime
counterpart of ``fashionai_dataset.apis.predict_csv``."""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from fashionai_core.csv_io import FashionAIRecords, read_fashionai_csv
from fashionai_core.detections import Detections, best_boxes, box_in_image
from fashionai_core.ensemble import normalized_weights
from fashionai_core.image_check import read_image
from fashionai_core.keypoints import ALL_CATEGORIES, NUM_KEYPOINTS, csv_columns
from fashionai_core.predictions import (check_model_category,
                                        check_models_cover, with_predictions)
from .onnx_model import OnnxPoseModel


def _predict_rows(model: OnnxPoseModel, rows: Sequence[int],
                  records: FashionAIRecords, image_root: str, batch_size: int,
                  detections: Optional[Detections], bbox_score_thr: float
                  ) -> Dict[int, Tuple[np.ndarray, np.ndarray]]:
    """Row -> points (24, 2) in image pixels and their scores (24,), NaN
    outside the model's keypoints."""
    columns = csv_columns(model.keypoint_names)
    points = {}
    with tqdm(total=len(rows), desc=osp.basename(model.path)) as progress:
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            images, boxes = [], []
            for row in batch:
                image_id = records.image_ids[row]
                images.append(read_image(osp.join(image_root, image_id)))
                found = detections and box_in_image(
                    detections, image_id, records.categories[row],
                    images[-1].shape[1], images[-1].shape[0], bbox_score_thr)
                boxes.append(found.bbox if found else None)
            keypoints, scores = model.predict(images, boxes)
            for row, predicted, predicted_scores in zip(
                    batch, keypoints, scores):
                row_points = np.full((NUM_KEYPOINTS, 2), np.nan)
                row_points[columns] = predicted
                row_scores = np.full(NUM_KEYPOINTS, np.nan)
                row_scores[columns] = predicted_scores
                points[row] = row_points, row_scores
            progress.update(len(batch))
    return points


def predict_csv_onnx(models: Dict[str, Sequence[OnnxPoseModel]],
                     test_csv: str,
                     image_root: str,
                     batch_size: int = 32,
                     weights: Optional[Dict[str, Sequence[float]]] = None,
                     bbox_file: Optional[str] = None,
                     bbox_score_thr: float = 0.0) -> FashionAIRecords:
    """Predict every image of a test (or annotation) CSV with ONNX models.

    Args:
        models: Category (or ``'all'``) -> models; several models of a
            category are averaged in original-image pixels (with
            ``weights``). A category's own models are used for its images
            before an ``'all'`` model.
        test_csv: ``image_id,image_category`` list (annotation CSVs work too).
        image_root: Folder that ``image_id`` paths are relative to.
        batch_size: Images per network call (twice that with flip test).
        weights: Category -> one weight per model (default: equal).
        bbox_file: Detections (:mod:`fashionai_core.detections`): each
            image is predicted in its best box of its category, or whole
            when it has none scoring ``bbox_score_thr`` or more, as the
            PyTorch predictor does.
        bbox_score_thr: Lowest detection score used.

    Returns:
        FashionAIRecords: The test rows in file order; ``keypoints`` holds
        the predictions (N, 24, 2) in original-image pixels and ``scores``
        their confidence (N, 24; the models' weighted mean), NaN for points
        the image's category does not define.

    Raises:
        ValueError: An image's category has no model, a model was exported
            for another category, or weights do not match the models.
        FashionAIImageError: An image cannot be read (a submission needs
            every listed image).
    """
    records = read_fashionai_csv(test_csv)
    weights = weights or {}
    for category, members in models.items():
        for model in members:
            check_model_category(model.path, model.category, category)
    check_models_cover(records.categories, models, test_csv)
    detections = best_boxes(bbox_file) if bbox_file else None
    predictions = np.full((len(records), NUM_KEYPOINTS, 2), np.nan)
    scores = np.full((len(records), NUM_KEYPOINTS), np.nan)
    done = np.zeros(len(records), dtype=bool)
    categories = np.asarray(records.categories)
    # category models first, so an 'all' model only fills what is left
    for category in sorted(models, key=lambda c: c == ALL_CATEGORIES):
        rows = np.flatnonzero(~done & (
            (categories == category) | (category == ALL_CATEGORIES)))
        members = models[category]
        if not len(rows):
            continue
        try:
            member_weights = normalized_weights(
                weights.get(category), len(members))
        except ValueError as error:
            raise ValueError(f'--weights {category}: {error}') from None
        total = np.zeros((len(rows), NUM_KEYPOINTS, 2))
        total_scores = np.zeros((len(rows), NUM_KEYPOINTS))
        for model, weight in zip(members, member_weights):
            points = _predict_rows(model, list(rows), records, image_root,
                                   batch_size, detections, bbox_score_thr)
            total += weight * np.stack([points[row][0] for row in rows])
            total_scores += weight * np.stack([points[row][1] for row in rows])
        predictions[rows] = total
        scores[rows] = total_scores
        done[rows] = True
    return with_predictions(records, predictions, scores)
