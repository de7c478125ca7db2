"""FashionAI keypoint dataset that reads the competition CSV directly."""
import logging
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.datasets.transforms import GenerateTarget
from mmpose.registry import DATASETS

from fashionai_core.csv_io import (FashionAICSVError, FashionAIRecords,
                                   read_fashionai_csv)
from fashionai_core.detections import best_boxes, box_in_image, garment_box
from fashionai_core.image_check import (FashionAIImageError, image_size,
                                        inside_image)
from fashionai_core.keypoints import (ALL_CATEGORIES, CATEGORY_KEYPOINTS,
                                      KEYPOINT_NAMES, check_category,
                                      csv_columns)
from fashionai_core.label_check import read_excluded_ids
from ..metainfo import fashionai_metainfo, keypoint_names


@DATASETS.register_module()
class FashionAIDataset(BaseCocoStyleDataset):
    """FashionAI apparel keypoints, one category or all five.

    Reads an annotation CSV (training, validation) or a test CSV
    (``image_id,image_category`` only) as released by the competition
    (``docs/data_format.md``). Each image holds one garment, so each image
    is one top-down instance whose box is, by default, the whole image: test
    images come without boxes, and using the same rule for training avoids
    a train/test mismatch. With ``bbox_file`` the box is a garment
    detector's instead (as MMPose's ``bbox_file``, but in training too, so
    that a model can learn on the boxes it will be tested on).

    Keypoints the row marks visible (v=1) or occluded (v=0) are trained on;
    absent ones (v=-1) get zero weight. The raw CSV row travels with each
    sample as ``raw_ann_info`` (``image_id``, ``image_category``,
    ``row_index``, and for annotation files the 24 points and their ``v``),
    which :class:`~fashionai_dataset.evaluation.FashionAIMetric` evaluates.

    Bad input (README, "Bad input"): CSV errors and points outside their
    image stop loading; images that are missing, empty, not images or cut
    short are skipped and counted when training and stop loading in test
    mode.

    Args:
        ann_file (str): The CSV file, relative to ``data_root``.
        category (str): ``'blouse'``, ``'outwear'``, ``'dress'``, ``'skirt'``,
            ``'trousers'``, or ``'all'`` (all rows, the 24 points).
            Defaults to ``'all'``.
        bbox_mode (str): ``'image'`` for the whole image, or ``'keypoints'``
            for the extent of the annotated points (v >= 0) grown by
            ``bbox_padding`` on each side (needs ground truth). Defaults to
            ``'image'``.
        bbox_padding (float): Fraction of the extent added on each side in
            ``'keypoints'`` mode, clipped to the image. Defaults to 0.1.
        bbox_file (str, optional): Detection results
            (:mod:`fashionai_core.detections`; relative paths are to the
            working directory, as MMPose's): each image's box is its
            highest-scoring detection of the row's category. An image with
            none (or none scoring ``bbox_score_thr`` or more) keeps the whole
            image as its box; those are counted in ``num_box_fallbacks``
            and logged. Defaults to None (boxes from ``bbox_mode``).
        bbox_score_thr (float): Lowest detection score used. Defaults to 0.
        allow_decimal (bool): Accept decimal pixel coordinates, as
            pseudo-labels (``tools/pseudo_label.py``) have them; the
            competition's annotations are integers. Defaults to False.
        keypoint_weight (float): Loss weight of every point of this
            dataset's samples, relative to 1 for the others (e.g. less for
            pseudo-labels beside labelled data); it reaches the loss through
            ``GenerateTarget(use_dataset_keypoint_weights=True)``, which the
            pipeline must have when it is not 1. Defaults to 1.
        data_root (str): The split folder; ``image_id`` is relative to it.
        data_prefix (dict): ``dict(img='')``: folder of the images relative
            to ``data_root``.
        metainfo (dict, optional): MMPose's dataset metainfo, e.g.
            ``dict(from_file=...)`` as the configs give it (MMPose's
            inferencers read it from the config): the category's keypoints,
            or all 24 (a model for every category, read on one category's
            rows). Defaults to None (the category's, built from
            :mod:`fashionai_core.keypoints`).
        test_mode (bool): Evaluation mode: keep every image, including ones
            without annotated points. Defaults to False.
        exclude_file (str, optional): A CSV with an ``image_id`` column
            (the suspects of ``tools/check_labels.py``, or those kept after
            review): its rows are left out of training, counted in the log.
            Refused in test mode (evaluation keeps every row). Defaults to
            None.
        drop_occluded (bool): Leave out every training row with an
            occluded point (v=0), counted in the log: the cleaning rule of a
            FashionAI competitor, who found occluded points noisy. Refused
            in test mode. Defaults to False.
        **kwargs: Other arguments of :class:`BaseCocoStyleDataset`
            (``pipeline``, ``indices``, ``sample_interval``, ...).
    """

    def __init__(self,
                 ann_file: str = '',
                 category: str = ALL_CATEGORIES,
                 bbox_mode: str = 'image',
                 bbox_padding: float = 0.1,
                 bbox_file: Optional[str] = None,
                 bbox_score_thr: float = 0.0,
                 allow_decimal: bool = False,
                 keypoint_weight: float = 1.0,
                 exclude_file: Optional[str] = None,
                 drop_occluded: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        self.category = check_category(category)
        if bbox_mode not in ('image', 'keypoints'):
            raise ValueError(f"FashionAIDataset: bbox_mode must be 'image' "
                             f"or 'keypoints', got {bbox_mode!r}")
        if bbox_file and bbox_mode != 'image':
            raise ValueError(
                f'FashionAIDataset: bbox_file ({bbox_file}) gives the boxes; '
                f'bbox_mode={bbox_mode!r} would give others. Leave bbox_mode '
                'at its default')
        self.bbox_mode = bbox_mode
        self.bbox_padding = bbox_padding
        # not passed on: MMPose would read it as COCO results, in test mode
        self.detection_file = bbox_file
        self.bbox_score_thr = bbox_score_thr
        self.num_box_fallbacks = 0
        self.allow_decimal = allow_decimal
        if not (np.isfinite(keypoint_weight) and keypoint_weight >= 0):
            raise ValueError('FashionAIDataset: keypoint_weight must be a '
                             f'number >= 0, got {keypoint_weight!r}')
        self.keypoint_weight = float(keypoint_weight)
        self.exclude_file = exclude_file
        self.drop_occluded = drop_occluded
        if (exclude_file or drop_occluded) and kwargs.get('test_mode'):
            raise ValueError(
                'FashionAIDataset: exclude_file and drop_occluded leave rows '
                'out of training; evaluation (test_mode=True) keeps every '
                'row')
        if metainfo is None:
            metainfo = fashionai_metainfo(category)
        # checked before the rows are read: they are read by its keypoints
        parsed = self._load_metainfo(metainfo)
        names = tuple(parsed['keypoint_id2name'].values())
        if names not in (CATEGORY_KEYPOINTS[category], KEYPOINT_NAMES):
            raise ValueError(
                f'FashionAIDataset: its metainfo '
                f'({parsed["dataset_name"]}) has {len(names)} '
                f'keypoints, not those of category {category!r}: give that '
                'category\'s metainfo (configs/fashionai/_base_/datasets/'
                f'fashionai_{category}.yaml), the 24-point one, or none')
        super().__init__(ann_file=ann_file, metainfo=metainfo, **kwargs)
        if self.keypoint_weight != 1:
            self._check_weights_reach_loss()
            self._metainfo['dataset_keypoint_weights'] = (
                self._metainfo['dataset_keypoint_weights'] *
                self.keypoint_weight)

    def _check_weights_reach_loss(self) -> None:
        """Raise unless a target generator applies ``keypoint_weight``."""
        if self.test_mode:
            return
        if not any(
                isinstance(step, GenerateTarget)
                and step.use_dataset_keypoint_weights
                for step in self.pipeline.transforms):
            raise ValueError(
                f'FashionAIDataset({self.ann_file}): keypoint_weight='
                f'{self.keypoint_weight:g} changes nothing unless the '
                'pipeline has GenerateTarget(use_dataset_keypoint_weights='
                'True)')

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        """Read the CSV; one instance per row of ``self.category``.

        Images that are missing, empty, not images or truncated are skipped
        and counted when training, and stop loading in test mode (every
        listed image needs a prediction). A point outside its image stops
        loading in both modes.
        """
        records = read_fashionai_csv(self.ann_file, self.allow_decimal)
        if self.bbox_mode == 'keypoints' and not records.has_keypoints:
            raise ValueError(
                f'{self.ann_file}: bbox_mode="keypoints" needs keypoint '
                'columns, but this is a test list (image_id,image_category)')
        # the metainfo's keypoints: an 'all' model's 24 on one category's rows
        columns = csv_columns(keypoint_names(self.metainfo))
        rows = [
            row for row, category in enumerate(records.categories)
            if self.category in (ALL_CATEGORIES, category)
        ]
        rows = self._cleaned(records, rows)
        rows = rows[::self.sample_interval]
        if not rows:
            raise ValueError(f'{self.ann_file}: no rows of category '
                             f'{self.category!r}; expected at least one')
        detections = best_boxes(
            self.detection_file) if self.detection_file else None
        fallbacks = []
        instance_list = []
        image_list = []
        unusable = []
        for row in rows:
            image_id = records.image_ids[row]
            line = int(records.lines[row])
            img_path = osp.join(self.data_prefix['img'], image_id)
            try:
                width, height = image_size(img_path)
            except FashionAIImageError as error:
                unusable.append(f'line {line}: {error}')
                continue
            raw_row = dict(
                row_index=row,
                image_id=image_id,
                image_category=records.categories[row],
                line=line)
            if records.has_keypoints:
                _check_inside(records, row, width, height)
                raw_row.update(
                    keypoints=records.keypoints[row].astype(np.float32),
                    visibility=records.visibility[row].copy())
                keypoints = records.keypoints[row, columns]
                visibility = records.visibility[row, columns]
            else:
                keypoints = np.zeros((len(columns), 2))
                visibility = np.full(len(columns), -1, dtype=np.int8)
            annotated = visibility >= 0
            bbox = self._bbox(keypoints[annotated], width, height)
            bbox_score = np.ones(1, dtype=np.float32)
            if detections is not None:
                detection = box_in_image(detections, image_id,
                                         records.categories[row], width,
                                         height, self.bbox_score_thr)
                if detection is not None:
                    bbox = detection.bbox[None]
                    bbox_score = np.array([detection.score], np.float32)
                else:
                    fallbacks.append(image_id)
            instance_list.append(
                dict(
                    img_id=row,
                    id=row,
                    img_path=img_path,
                    ori_shape=(height, width),
                    bbox=bbox,
                    bbox_score=bbox_score,
                    keypoints=keypoints[None].astype(np.float32),
                    keypoints_visible=annotated[None].astype(np.float32),
                    num_keypoints=int(annotated.sum()),
                    category_id=np.array(1),
                    iscrowd=0,
                    raw_ann_info=raw_row))
            image_list.append(
                dict(
                    img_id=row, img_path=img_path, width=width, height=height))
        self.num_box_fallbacks = len(fallbacks)
        if fallbacks:
            print_log(
                f'FashionAIDataset({self.category}): {len(fallbacks)} of '
                f'{len(instance_list)} images have no detection of their '
                f'category in {self.detection_file} (score >= '
                f'{self.bbox_score_thr}); their box is the whole image, '
                f'first: {fallbacks[0]}',
                logger='current',
                level=logging.WARNING)
        if unusable:
            summary = (f'{self.ann_file}: {len(unusable)} of {len(rows)} '
                       f'listed images cannot be used; first: {unusable[0]}')
            if self.test_mode:
                raise FashionAIImageError(
                    summary + ' (evaluation needs every listed image)')
            print_log(
                f'FashionAIDataset({self.category}): skipped ' + summary +
                ''.join(f'\n  {problem}' for problem in unusable[1:10]),
                logger='current',
                level=logging.WARNING)
        return instance_list, image_list

    def _cleaned(self, records, rows: List[int]) -> List[int]:
        """``rows`` less those ``exclude_file`` lists and, with
        ``drop_occluded``, those with an occluded point; both counted in
        the log."""
        if self.exclude_file:
            excluded = read_excluded_ids(self.exclude_file)
            kept = [r for r in rows if records.image_ids[r] not in excluded]
            print_log(
                f'FashionAIDataset({self.category}): {len(rows) - len(kept)}'
                f' of {len(rows)} rows left out, listed in '
                f'{self.exclude_file}',
                logger='current')
            rows = kept
        if self.drop_occluded:
            kept = [r for r in rows if not (records.visibility[r] == 0).any()]
            print_log(
                f'FashionAIDataset({self.category}): {len(rows) - len(kept)}'
                f' of {len(rows)} rows left out for an occluded point '
                '(drop_occluded)',
                logger='current')
            rows = kept
        return rows

    def _bbox(self, points: np.ndarray, width: int, height: int) -> np.ndarray:
        """Instance box as xyxy, shape (1, 4), original-image pixels."""
        box = garment_box(points, self.bbox_padding, width,
                          height) if (self.bbox_mode == 'keypoints') else None
        if box is None:
            return np.array([[0, 0, width, height]], dtype=np.float32)
        return box[None]

    def _get_topdown_data_infos(self, instance_list: List[Dict]) -> List[Dict]:
        """Keep every image for evaluation; for training drop images without
        any annotated point of this category (they carry no target)."""
        if self.test_mode:
            return instance_list
        kept = [info for info in instance_list if info['num_keypoints'] > 0]
        if not kept:
            raise ValueError(
                f'{self.ann_file}: none of its {len(instance_list)} '
                f'{self.category} images has an annotated point (v of 0 or '
                '1); nothing to train on (pseudo-labels: a lower '
                '--min-score keeps more points)')
        if len(kept) < len(instance_list):
            print_log(
                f'FashionAIDataset({self.category}): skipped '
                f'{len(instance_list) - len(kept)} of {len(instance_list)} '
                f'images of {self.ann_file} with no annotated point',
                logger='current')
        return kept


def _check_inside(records: FashionAIRecords, row: int, width: int,
                  height: int) -> None:
    """Raise if an annotated point of ``row`` lies outside its image
    (:func:`~fashionai_core.image_check.inside_image`)."""
    points = records.keypoints[row]
    outside = (records.visibility[row]
               >= 0) & ~inside_image(points, np.array([width, height]))
    if outside.any():
        point = int(np.flatnonzero(outside)[0])
        x, y = points[point]
        raise FashionAICSVError(
            records.path, f'{KEYPOINT_NAMES[point]} at ({x:g}, {y:g}) lies '
            f'outside its {width}x{height} image {records.image_ids[row]}; '
            f'expected 0 <= x <= {width} and 0 <= y <= {height}',
            int(records.lines[row]), 3 + point)
