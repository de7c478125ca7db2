"""Keypoints on plain images: one JSON and one drawing per image.

Works with any model that has ``path``, ``category``, ``keypoint_names``
and ``predict(images) -> (keypoints (N, K, 2), scores (N, K))``: an
:class:`~fashionai_deploy.OnnxPoseModel`, or the PyTorch
``fashionai_dataset.apis.CheckpointPoseModel``.
"""
import contextlib
import glob
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from tqdm import tqdm

from fashionai_core.atomic import atomic_write
from fashionai_core.detections import Detections, box_in_image
from fashionai_core.draw import draw_keypoints
from fashionai_core.image_check import FashionAIImageError, read_image
from fashionai_core.keypoints import (CATEGORY_KEYPOINTS, NUM_KEYPOINTS,
                                      keypoint_index)
from fashionai_core.outputs import IMAGE_EXTENSIONS, OutputFolder
from fashionai_core.paths import unique_outputs
from fashionai_core.predictions import check_model_category


def list_images(spec: str) -> List[str]:
    """The image files an argument names, sorted.

    Args:
        spec: A file, a folder (searched recursively for
            :data:`IMAGE_EXTENSIONS`) or a glob pattern (``**`` recurses).

    Raises:
        FileNotFoundError: Nothing matches.
    """
    if osp.isdir(spec):
        found = [
            osp.join(root, name) for root, _, names in os.walk(spec)
            for name in names if name.lower().endswith(IMAGE_EXTENSIONS)
        ]
    elif osp.isfile(spec):
        found = [spec]
    else:
        found = [p for p in glob.glob(spec, recursive=True) if osp.isfile(p)]
    if not found:
        raise FileNotFoundError(f'{spec}: no image file, folder or glob '
                                'match')
    return sorted(found)


def image_result(path: str,
                 image: np.ndarray,
                 category: str,
                 names: Sequence[str],
                 keypoints: np.ndarray,
                 scores: np.ndarray,
                 box: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """The JSON document of one image: the category's points only, in
    original image pixels, and the detector's box (``[x1, y1, x2, y2]``,
    null for the whole image)."""
    wanted = CATEGORY_KEYPOINTS[category]
    return dict(
        image=path,
        width=int(image.shape[1]),
        height=int(image.shape[0]),
        category=category,
        box=None if box is None else [round(float(v), 2) for v in box],
        keypoints=[
            dict(
                name=name,
                x=round(float(keypoints[names.index(name), 0]), 2),
                y=round(float(keypoints[names.index(name), 1]), 2),
                score=round(float(scores[names.index(name)]), 4))
            for name in wanted
        ])


def draw_result(image: np.ndarray, result: Dict[str, Any]) -> np.ndarray:
    """The image with the predicted points and the category's skeleton, and
    the detector's box when there was one."""
    points = np.zeros((NUM_KEYPOINTS, 2))
    visibility = np.full(NUM_KEYPOINTS, -1)
    for point in result['keypoints']:
        index = keypoint_index(point['name'])
        points[index] = point['x'], point['y']
        visibility[index] = 1
    drawing = draw_keypoints(image, points, visibility, result['category'])
    if result.get('box'):
        x1, y1, x2, y2 = (int(round(v)) for v in result['box'])
        cv2.rectangle(drawing, (x1, y1), (x2, y2), (255, 255, 255), 1,
                      cv2.LINE_AA)
    return drawing


def _outputs(path: str, root: str, out_dir: str) -> Tuple[str, str]:
    stem = osp.splitext(osp.relpath(path, root))[0]
    return (osp.join(out_dir,
                     stem + '.json'), osp.join(out_dir, stem + '.jpg'))


def output_folder(paths: Sequence[str],
                  out_dir: str,
                  inputs: Sequence[str] = ()
                  ) -> Tuple[OutputFolder, List[str]]:
    """The folder :func:`infer_images` writes into, every output checked
    before anything is written: two images that would share files
    (``a.jpg`` and ``a.png``), and the rules of
    :mod:`fashionai_core.outputs` (an input image, a file the tools did not
    write). Also the images to predict: ``paths`` less the drawings an
    earlier run wrote there (a rerun into the images' own folder).

    Raises:
        ValueError: Naming the output and what it would replace.
    """
    folder = OutputFolder(out_dir, inputs)
    paths = [path for path in paths if not folder.wrote(path)]
    if not paths:
        raise FileNotFoundError('no image to predict: every image found was '
                                f'drawn by an earlier run into {out_dir}')
    folder.inputs += paths
    root = _root(paths)
    for index in range(2):  # the JSON, then the drawing
        unique_outputs(
            paths, lambda p: osp.realpath(
                _outputs(osp.abspath(p), root, out_dir)[index]))
    folder.check(
        output for path in paths
        for output in _outputs(osp.abspath(path), root, out_dir))
    return folder, paths


def _root(paths: Sequence[str]) -> str:
    """The common folder of the images, which the outputs mirror."""
    return osp.commonpath([osp.dirname(osp.abspath(p)) for p in paths])


def infer_images(model: Any,
                 paths: Sequence[str],
                 category: str,
                 outputs: OutputFolder,
                 batch_size: int = 8,
                 detections: Optional[Detections] = None,
                 bbox_score_thr: float = 0.0) -> Tuple[int, List[str]]:
    """Predict, then write ``<name>.json`` and ``<name>.jpg`` per image.

    Outputs keep the images' folders below their common folder; each file
    is written atomically. Images that cannot be read are skipped.

    Args:
        model: See the module docstring.
        paths: Image files.
        category: The garment each image shows.
        outputs: Where the files go (:func:`output_folder`, checked).
        batch_size: Images per forward pass.
        detections: ``(path, category)`` -> the garment's box
            (:func:`fashionai_core.detections.best_boxes` of a file made
            with the paths as image ids); an image without one is
            predicted whole. Default: every image whole.
        bbox_score_thr: A box scoring less is not used (the image is
            predicted whole).

    Returns:
        tuple: how many images were written, and ``'path: reason'`` for
        each skipped one.

    Raises:
        ValueError: The model does not predict ``category``; nothing is
            written.
    """
    check_model_category(model.path, model.category, category)
    names = list(model.keypoint_names)
    root = _root(paths)
    written, skipped = 0, []
    with tqdm(total=len(paths), desc='images') as progress, \
            contextlib.closing(outputs):
        for start in range(0, len(paths), batch_size):
            batch, images, boxes = [], [], []
            for path in paths[start:start + batch_size]:
                try:
                    images.append(read_image(path))
                    batch.append(path)
                except FashionAIImageError as error:
                    skipped.append(f'{path}: {error}')
                    continue
                found = detections and box_in_image(
                    detections, path, category, images[-1].shape[1],
                    images[-1].shape[0], bbox_score_thr)
                boxes.append(found.bbox if found else None)
            if batch:
                keypoints, scores = model.predict(images, boxes)
            for i, (path, image) in enumerate(zip(batch, images)):
                result = image_result(path, image, category, names,
                                      keypoints[i], scores[i], boxes[i])
                json_path, drawing_path = _outputs(
                    osp.abspath(path), root, outputs.folder)
                with atomic_write(json_path) as file:
                    json.dump(result, file, indent=1)
                _, encoded = cv2.imencode('.jpg', draw_result(image, result))
                with atomic_write(drawing_path, 'wb') as file:
                    file.write(encoded.tobytes())
                outputs.record(json_path)
                outputs.record(drawing_path)
                written += 1
            progress.update(len(paths[start:start + batch_size]))
    return written, skipped
