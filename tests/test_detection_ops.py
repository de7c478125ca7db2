"""The mmcv.ops a detector needs, served on torchvision's kernels where
mmcv has no compiled ops: mmcv's signatures, results checked against values
worked out by hand."""
import numpy as np
import pytest
import torch

from fashionai_patches.mmcv_ops import (MissingMMCVOpError,
                                        compiled_ops_available)
from conftest import requires

needs_lite = requires(not compiled_ops_available(),
                      'mmcv has compiled ops here, not the pinned mmcv-lite')

BOXES = torch.tensor([
    [0., 0., 10., 10.],  # A
    [1., 1., 11., 11.],  # B: IoU with A 81 / 119 = 0.68
    [20., 20., 30., 30.],  # C: apart
    [0., 0., 10., 10.],  # D: A again, higher score
])
SCORES = torch.tensor([0.9, 0.8, 0.7, 0.95])
DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])


@needs_lite
@pytest.mark.parametrize('device', DEVICES)
def test_nms_keeps_the_best_of_each_overlapping_group(device):
    from mmcv.ops import nms
    dets, keep = nms(BOXES.to(device), SCORES.to(device), iou_threshold=0.5)
    assert keep.tolist() == [3, 2]
    assert torch.equal(
        dets.cpu(),
        torch.tensor([[0., 0., 10., 10., 0.95], [20., 20., 30., 30., 0.7]]))
    # B survives below its 0.68 overlap with D
    _, keep = nms(BOXES.to(device), SCORES.to(device), iou_threshold=0.7)
    assert keep.tolist() == [3, 1, 2]


@needs_lite
def test_nms_options_as_mmcv():
    from mmcv.ops import nms
    _, keep = nms(BOXES, SCORES, 0.5, score_threshold=0.75)
    assert keep.tolist() == [3]  # C is below the score threshold
    _, keep = nms(BOXES, SCORES, 0.7, max_num=2)
    assert keep.tolist() == [3, 1]
    # offset=1: widths x2 - x1 + 1; IoU 36/126 = 0.29 becomes 50/150 = 0.33
    pair = torch.tensor([[0., 0., 9., 9.], [5., 0., 14., 9.]])
    scores = torch.tensor([0.9, 0.8])
    assert nms(pair, scores, 0.3)[1].tolist() == [0, 1]
    assert nms(pair, scores, 0.3, offset=1)[1].tolist() == [0]
    dets, keep = nms(BOXES.numpy(), SCORES.numpy(), 0.5)
    assert isinstance(dets, np.ndarray) and keep.tolist() == [3, 2]
    dets, keep = nms(torch.zeros((0, 4)), torch.zeros(0), 0.5)
    assert dets.shape == (0, 5) and keep.shape == (0, )


@needs_lite
@pytest.mark.parametrize('device', DEVICES)
def test_batched_nms_suppresses_within_a_class_only(device):
    from mmcv.ops.nms import batched_nms
    labels = torch.tensor([0, 1, 0, 0], device=device)
    boxes, scores = BOXES.to(device), SCORES.to(device)
    cfg = dict(iou_threshold=0.5)
    dets, keep = batched_nms(boxes, scores, labels, cfg)
    # D suppresses A (class 0); B is class 1 and stays
    assert keep.tolist() == [3, 1, 2]
    assert torch.allclose(dets[:, 4].cpu(), torch.tensor([0.95, 0.8, 0.7]))
    assert torch.equal(dets[:, :4], boxes[keep])
    _, keep = batched_nms(boxes, scores, labels,
                          dict(cfg, class_agnostic=True))
    assert keep.tolist() == [3, 2]
    # the per-class loop mmcv takes for many boxes gives the same
    _, split = batched_nms(boxes, scores, labels, dict(cfg, split_thr=2))
    assert split.tolist() == [3, 1, 2]
    _, capped = batched_nms(boxes, scores, labels,
                            dict(cfg, split_thr=2, max_num=2))
    assert capped.tolist() == [3, 1]
    dets, order = batched_nms(boxes, scores, labels, None)
    assert order.tolist() == [3, 0, 1, 2]
    dets, keep = batched_nms(
        torch.zeros((0, 4), device=device), torch.zeros(0, device=device),
        torch.zeros(0, dtype=torch.long, device=device), cfg)
    assert dets.shape == (0, 5) and keep.shape == (0, )


@needs_lite
@pytest.mark.parametrize('device', DEVICES)
def test_roi_align_averages_the_bins(device):
    from mmcv.ops import RoIAlign, roi_align

    # on f(x, y) = x + 4 y, bilinear samples average to f at the bin centre;
    # aligned=True puts pixel centres at half coordinates
    y, x = torch.meshgrid(torch.arange(4.), torch.arange(4.), indexing='ij')
    features = (x + 4 * y)[None, None].to(device).requires_grad_()
    rois = torch.tensor([[0., 0., 0., 4., 4.]], device=device)
    pooled = RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=2)(features,
                                                                   rois)
    assert torch.allclose(pooled.detach().cpu(),
                          torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]]))
    pooled.sum().backward()  # each output's weights sum to one
    assert features.grad.sum().item() == pytest.approx(4.0)
    half = roi_align(features.detach(), rois, 1, 0.5, 2, 'avg', True)
    # spatial_scale 0.5: the roi covers the 2x2 top-left cells
    assert half.item() == pytest.approx(2.5)
    with pytest.raises(NotImplementedError, match="pool_mode='max'"):
        roi_align(features, rois, 2, 1.0, 0, 'max', True)


@needs_lite
def test_other_ops_still_say_what_is_needed():
    from mmcv.ops import MultiScaleDeformableAttention
    with pytest.raises(MissingMMCVOpError, match='compiled ops'):
        MultiScaleDeformableAttention()


@needs_lite
def test_rtmdet_tiny_predicts_and_trains_with_these_ops(monkeypatch):
    """mmdet's own RTMDet-tiny config: NMS at prediction, the assigner's
    losses in training."""
    from pathlib import Path

    import mmdet
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.structures import InstanceData
    config = (
        Path(mmdet.__file__).parent / '.mim' / 'configs' / 'rtmdet' /
        'rtmdet_tiny_8xb32-300e_coco.py')
    cfg = Config.fromfile(str(config))
    cfg.model.backbone.init_cfg = None
    cfg.model.bbox_head.num_classes = 5
    torch.manual_seed(0)
    # only here: the other tests run in MMPose's default scope
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    shape = (128, 128)
    samples = [
        DetDataSample(
            metainfo=dict(
                img_shape=shape,
                ori_shape=shape,
                pad_shape=shape,
                scale_factor=(1., 1.)),
            gt_instances=InstanceData(
                bboxes=torch.tensor([[20., 30., 90., 120.]]),
                labels=torch.tensor([2]))) for _ in range(2)
    ]
    images = [torch.randint(0, 256, (3, ) + shape).float() for _ in range(2)]
    from mmdet.models.dense_heads import base_dense_head
    calls = []

    def counted(*args, **kwargs):
        calls.append(len(args[0]))
        return batched_nms(*args, **kwargs)

    batched_nms = base_dense_head.batched_nms
    monkeypatch.setattr(base_dense_head, 'batched_nms', counted)
    model.eval()
    data = model.data_preprocessor(dict(inputs=images, data_samples=samples))
    with torch.no_grad():
        predictions = model(data['inputs'], data['data_samples'], 'predict')
    for prediction in predictions:
        assert prediction.pred_instances.bboxes.shape[1] == 4
        assert len(prediction.pred_instances) <= cfg.model.test_cfg.max_per_img
    assert len(calls) == 2 and min(calls) > 0  # NMS ran on real candidates
    model.train()
    data = model.data_preprocessor(
        dict(inputs=images, data_samples=samples), True)
    losses = model(data['inputs'], data['data_samples'], 'loss')
    total = sum(sum(v) if isinstance(v, list) else v for v in losses.values())
    assert torch.isfinite(total)
    total.backward()
