"""The ``mmcv.ops`` a detector needs, on torchvision's kernels.

mmcv-lite has no compiled ops; torchvision, pinned beside torch, has NMS
and RoIAlign for CPU and GPU. These functions keep mmcv 2.1's signatures
and results (the box-with-score ``dets``, the kept indices sorted by score,
``offset=1`` areas, ``batched_nms``'s per-class offsets, ``split_thr`` and
``max_num``), so mmdet's heads call them unchanged.
:mod:`fashionai_patches.mmcv_ops` serves them as ``mmcv.ops.nms``,
``mmcv.ops.batched_nms``, ``mmcv.ops.roi_align`` and ``mmcv.ops.RoIAlign``
when mmcv's own are missing.
"""
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
import torchvision
from torch import Tensor, nn

ArrayLike = Union[Tensor, np.ndarray]


def nms(boxes: ArrayLike,
        scores: ArrayLike,
        iou_threshold: float,
        offset: int = 0,
        score_threshold: float = 0,
        max_num: int = -1) -> Tuple[ArrayLike, ArrayLike]:
    """Non-maximum suppression, as ``mmcv.ops.nms``.

    Args:
        boxes: (N, 4) ``x1, y1, x2, y2``.
        scores: (N,).
        iou_threshold: Boxes overlapping a kept one above this are dropped.
        offset: 1 counts a box's width as ``x2 - x1 + 1`` (old convention).
        score_threshold: Boxes with a score not above this are dropped first.
        max_num: Keep at most this many (-1: all).

    Returns:
        tuple: ``dets`` (K, 5) boxes with their score, and the kept indices
        (K,) into ``boxes``, highest score first; numpy in, numpy out.
    """
    is_numpy = isinstance(boxes, np.ndarray)
    boxes = torch.from_numpy(boxes) if is_numpy else boxes
    if isinstance(scores, np.ndarray):
        scores = torch.from_numpy(scores)
    assert boxes.size(1) == 4 and boxes.size(0) == scores.size(0)
    assert offset in (0, 1)
    candidates = torch.arange(len(boxes), device=boxes.device)
    if score_threshold > 0:
        candidates = torch.nonzero(
            scores > score_threshold, as_tuple=False).squeeze(1)
    shifted = boxes[candidates].float()
    if offset:  # x2 + 1 and y2 + 1 give the (w + 1)(h + 1) areas
        shifted = shifted + shifted.new_tensor([0, 0, 1, 1])
    keep = torchvision.ops.nms(shifted, scores[candidates].float(),
                               float(iou_threshold))
    if max_num > 0:
        keep = keep[:max_num]
    inds = candidates[keep]
    dets = torch.cat((boxes[inds], scores[inds].reshape(-1, 1)), dim=1)
    if is_numpy:
        return dets.cpu().numpy(), inds.cpu().numpy()
    return dets, inds


def batched_nms(boxes: Tensor,
                scores: Tensor,
                idxs: Tensor,
                nms_cfg: Optional[Dict],
                class_agnostic: bool = False) -> Tuple[Tensor, Tensor]:
    """NMS within each class, as ``mmcv.ops.batched_nms`` (axis-aligned
    boxes, ``type='nms'``).

    Args:
        boxes: (N, 4).
        scores: (N,).
        idxs: (N,) class of each box.
        nms_cfg: ``iou_threshold`` and optionally ``class_agnostic``,
            ``split_thr`` (default 10000), ``max_num``, ``score_threshold``,
            ``offset``; ``None``: no suppression, only sorting.
        class_agnostic: Suppress across classes.

    Returns:
        tuple: ``dets`` (K, 5) and the kept indices (K,), highest score
        first.
    """
    if nms_cfg is None:
        scores, inds = scores.sort(descending=True)
        return torch.cat([boxes[inds], scores[:, None]], -1), inds
    cfg = dict(nms_cfg)
    class_agnostic = cfg.pop('class_agnostic', class_agnostic)
    kind = cfg.pop('type', 'nms')
    if kind != 'nms':
        raise NotImplementedError(
            f'batched_nms type={kind!r} needs mmcv with compiled ops; the '
            "torchvision stand-in does type='nms'")
    if class_agnostic or len(boxes) == 0:
        boxes_for_nms = boxes
    else:
        # one coordinate range per class, so classes never overlap
        offsets = idxs.to(boxes) * (boxes.max() + 1)
        boxes_for_nms = boxes + offsets[:, None]
    split_thr = cfg.pop('split_thr', 10000)
    if len(boxes_for_nms) < split_thr:
        dets, keep = nms(boxes_for_nms, scores, **cfg)
        boxes, scores = boxes[keep], dets[:, -1]
    else:
        max_num = cfg.pop('max_num', -1)
        kept = scores.new_zeros(scores.size(), dtype=torch.bool)
        kept_scores = scores.new_zeros(scores.size())
        for label in torch.unique(idxs):
            members = (idxs == label).nonzero(as_tuple=False).view(-1)
            dets, keep = nms(boxes_for_nms[members], scores[members], **cfg)
            kept[members[keep]] = True
            kept_scores[members[keep]] = dets[:, -1]
        keep = kept.nonzero(as_tuple=False).view(-1)
        scores, order = kept_scores[keep].sort(descending=True)
        keep = keep[order]
        boxes = boxes[keep]
        if max_num > 0:
            keep = keep[:max_num]
            boxes = boxes[:max_num]
            scores = scores[:max_num]
    return torch.cat([boxes, scores[:, None]], -1), keep


def roi_align(input: Tensor,
              rois: Tensor,
              output_size: Union[int, Tuple[int, int]],
              spatial_scale: float = 1.0,
              sampling_ratio: int = 0,
              pool_mode: str = 'avg',
              aligned: bool = True) -> Tensor:
    """RoIAlign, as ``mmcv.ops.roi_align`` (``pool_mode='avg'``).

    Args:
        input: Features (B, C, H, W).
        rois: (R, 5): batch index, ``x1, y1, x2, y2`` in input pixels.
        output_size: Pooled (h, w), or one int for both.
        spatial_scale: Feature cells per input pixel.
        sampling_ratio: Samples per bin side (0: adaptive).
        pool_mode: Only ``'avg'``.
        aligned: Shift by half a pixel (Detectron2's correct alignment).

    Returns:
        Tensor: (R, C, h, w); differentiable with respect to ``input``.
    """
    if pool_mode != 'avg':
        raise NotImplementedError(
            f"roi_align pool_mode={pool_mode!r} needs mmcv with compiled "
            "ops; the torchvision stand-in does 'avg'")
    return torchvision.ops.roi_align(input, rois, output_size, spatial_scale,
                                     sampling_ratio, aligned)


class RoIAlign(nn.Module):
    """:func:`roi_align` as a module, ``mmcv.ops.RoIAlign``'s arguments."""

    def __init__(self,
                 output_size: Union[int, Tuple[int, int]],
                 spatial_scale: float = 1.0,
                 sampling_ratio: int = 0,
                 pool_mode: str = 'avg',
                 aligned: bool = True,
                 use_torchvision: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)
        self.pool_mode = pool_mode
        self.aligned = aligned
        self.use_torchvision = use_torchvision

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        """Pooled features (R, C, h, w) of ``rois`` (R, 5)."""
        return roi_align(input, rois, self.output_size, self.spatial_scale,
                         self.sampling_ratio, self.pool_mode, self.aligned)


#: ``mmcv.ops`` names served by this module instead of a placeholder.
IMPLEMENTED = dict(
    nms=nms, batched_nms=batched_nms, roi_align=roi_align, RoIAlign=RoIAlign)
