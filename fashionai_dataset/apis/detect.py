"""Run a garment detector (any mmdet config) over images or a FashionAI CSV.

The detector is mmdet's own model and test pipeline, built in mmdet's
registry scope without changing the caller's (a pose model built afterwards
still finds MMPose's modules). Its classes are matched to the categories by
name; classes that are not a category are ignored.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.utils import ProgressBar
from torch import nn
from torch.utils.data import DataLoader, Dataset

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.detections import detection_entries, write_detections
from fashionai_core.keypoints import CATEGORIES
from ..weights_only import check_checkpoint_file
from .predict import default_device

DETECTOR_SCOPE = 'mmdet'


def load_detector(config: str,
                  checkpoint: str,
                  device: str = 'cpu') -> nn.Module:
    """Build an mmdet detector from its config and trained checkpoint.

    Args:
        config: mmdet config file (e.g. the garment detector project's).
        checkpoint: Its checkpoint (``mim train mmdet``).
        device: ``'cpu'``, ``'cuda:0'``, ...

    Returns:
        nn.Module: The detector in eval mode, with ``cfg`` and
        ``dataset_meta['classes']``.

    Raises:
        ValueError: None of the detector's classes is a garment category.
    """
    from mmdet.apis import init_detector

    check_checkpoint_file(checkpoint)
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', DETECTOR_SCOPE)):
        detector = init_detector(cfg, checkpoint, device=device)
    classes = list(detector.dataset_meta.get('classes', ()))
    if not set(classes) & set(CATEGORIES):
        raise ValueError(
            f'{checkpoint}: the detector\'s classes ({", ".join(classes[:8])}'
            f'{", ..." if len(classes) > 8 else ""}) name none of the '
            f'categories {", ".join(CATEGORIES)}')
    detector.cfg = cfg
    return detector


class _ImageList(Dataset):
    """Images through the detector's test pipeline."""

    def __init__(self, paths: Sequence[str], pipeline: list) -> None:
        self.paths = list(paths)
        self.pipeline = pipeline
        self.transform = None

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> dict:
        if self.transform is None:  # built in the worker, in mmdet's scope
            with DefaultScope.overwrite_default_scope(DETECTOR_SCOPE):
                self.transform = Compose(self.pipeline)
        return self.transform(dict(img_path=self.paths[index], img_id=index))


def detect_images(detector: nn.Module,
                  image_paths: Sequence[str],
                  image_ids: Optional[Sequence[str]] = None,
                  batch_size: int = 8,
                  num_workers: int = 2,
                  max_per_category: int = 1) -> List[dict]:
    """Detect garments; return detection-file entries.

    Args:
        detector: From :func:`load_detector`.
        image_paths: Image files.
        image_ids: The ``image_id`` written for each image (default: the
            path).
        batch_size: Images per forward pass.
        num_workers: Data loading processes.
        max_per_category: Boxes kept per image and category, best first
            (a keypoint model uses only the best).

    Returns:
        list: :func:`~fashionai_core.detections.detection_entries` of every
        image, boxes in original-image pixels.
    """
    from mmdet.utils import get_test_pipeline_cfg

    image_ids = list(image_ids or image_paths)
    classes = list(detector.dataset_meta['classes'])
    loader = DataLoader(
        _ImageList(image_paths,
                   copy.deepcopy(list(get_test_pipeline_cfg(detector.cfg)))),
        batch_size=batch_size,
        num_workers=num_workers,
        collate_fn=pseudo_collate)
    entries: List[dict] = []
    progress = ProgressBar(len(image_paths))
    with torch.no_grad(), DefaultScope.overwrite_default_scope(DETECTOR_SCOPE):
        for batch in loader:
            for sample in detector.test_step(batch):
                found = sample.pred_instances.cpu().numpy()
                names = [classes[label] for label in found.labels]
                keep = []
                for category in CATEGORIES:
                    of_category = [
                        i for i, name in enumerate(names) if name == category
                    ]
                    of_category.sort(key=lambda i: -found.scores[i])
                    keep += of_category[:max_per_category]
                index = sample.metainfo['img_id']
                entries += detection_entries(image_ids[index],
                                             found.bboxes[keep],
                                             found.scores[keep],
                                             [names[i] for i in keep])
                progress.update()
    print()
    return entries


def detect_csv(detector: nn.Module,
               csv_path: str,
               image_root: str,
               batch_size: int = 8,
               num_workers: int = 2) -> List[dict]:
    """:func:`detect_images` on every image a FashionAI CSV lists, keyed by
    its ``image_id`` (relative to ``image_root``)."""
    records = read_fashionai_csv(csv_path)
    image_ids = list(dict.fromkeys(records.image_ids))
    paths = [osp.join(image_root, image_id) for image_id in image_ids]
    return detect_images(detector, paths, image_ids, batch_size, num_workers)


def write_csv_detections(det_config: str,
                         det_checkpoint: str,
                         csv_path: str,
                         image_root: str,
                         out: str,
                         device: Optional[str] = None,
                         batch_size: int = 8,
                         num_workers: int = 2) -> int:
    """Detect every image a CSV lists; write the detection file atomically.

    Returns:
        int: How many boxes were written.
    """
    detector = load_detector(det_config, det_checkpoint,
                             default_device(device))
    entries = detect_csv(detector, csv_path, image_root, batch_size,
                         num_workers)
    write_detections(out, entries)
    return len(entries)
