"""Garment boxes for mmdet, read from the FashionAI CSV directly."""
import logging
import os.path as osp
from typing import List

from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS
from mmengine.logging import print_log

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.detections import garment_box
from fashionai_core.image_check import FashionAIImageError, image_size
from fashionai_core.keypoints import CATEGORIES, CATEGORY_INDEX


@DATASETS.register_module()
class FashionAIGarmentDataset(BaseDetDataset):
    """One box per image, labelled with its category, from a FashionAI CSV.

    The box is the extent of the image's annotated points (visible or
    occluded) grown by ``box_margin`` on each side; no conversion step, no
    hand-made annotation. Classes are the five categories in
    :data:`~fashionai_core.keypoints.CATEGORIES` order. A test list (no
    keypoints) gives images without boxes, for prediction. Images that
    cannot be read are skipped in training with a warning, and stop
    evaluation (as :class:`~fashionai_dataset.FashionAIDataset`).

    Args:
        box_margin: Fraction of the points' extent added on each side.
        **kwargs: :class:`~mmdet.datasets.BaseDetDataset`'s (``ann_file``:
            the CSV, ``data_root``, ``data_prefix=dict(img='')``, ...).
    """

    # the palette only colours mmdet's drawings, one colour per category
    METAINFO = dict(
        classes=CATEGORIES,
        palette=[(220, 20, 60), (0, 0, 230), (106, 0, 228), (0, 160, 80),
                 (250, 170, 30)])

    def __init__(self, *args, box_margin: float = 0.05, **kwargs) -> None:
        if box_margin < 0:
            raise ValueError(f'FashionAIGarmentDataset: box_margin must be '
                             f'>= 0, got {box_margin}')
        self.box_margin = box_margin
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One entry per CSV row: image path and size, and its box."""
        records = read_fashionai_csv(self.ann_file)
        data_list, unusable = [], []
        for row, image_id in enumerate(records.image_ids):
            path = osp.join(self.data_prefix['img'], image_id)
            try:
                width, height = image_size(path)
            except FashionAIImageError as error:
                unusable.append(f'line {records.lines[row]}: {error}')
                continue
            instances = []
            if records.has_keypoints:
                annotated = records.visibility[row] >= 0
                box = garment_box(records.keypoints[row, annotated],
                                  self.box_margin, width, height)
                if box is not None:
                    instances.append(
                        dict(
                            bbox=box.tolist(),
                            bbox_label=CATEGORY_INDEX[records.categories[row]],
                            ignore_flag=0))
            data_list.append(
                dict(
                    img_path=path,
                    img_id=row,
                    width=width,
                    height=height,
                    instances=instances))
        if unusable:
            summary = (f'{self.ann_file}: {len(unusable)} of {len(records)} '
                       f'listed images cannot be used; first: {unusable[0]}')
            if self.test_mode:
                raise FashionAIImageError(summary)
            print_log(
                'FashionAIGarmentDataset: skipped ' + summary,
                logger='current',
                level=logging.WARNING)
        return data_list
