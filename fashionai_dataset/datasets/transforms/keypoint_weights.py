"""Zero target weight for keypoints that augmentation moved off the input."""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ZeroWeightOutsideInput(BaseTransform):
    """Set ``keypoints_visible`` to 0 for points outside the model input.

    Shift, scale and rotation (``RandomBBoxTransform``) can push annotated
    points out of the crop. MMPose's heatmap encoders drop a point only when
    its whole Gaussian falls outside the heatmap; a point just outside keeps
    full weight and a target whose peak is not on the map. Place this after
    ``TopdownAffine`` and before ``GenerateTarget``.

    Required keys: ``transformed_keypoints`` (N, K, 2) in input pixels,
    ``keypoints_visible`` (N, K), ``input_size`` (w, h).
    Modified keys: ``keypoints_visible``.
    """

    def transform(self, results: Dict) -> Dict:
        points = results['transformed_keypoints'][..., :2]
        width, height = results['input_size']
        inside = ((points[..., 0] >= 0) & (points[..., 0] <= width - 1) &
                  (points[..., 1] >= 0) & (points[..., 1] <= height - 1))
        visible = np.asarray(results['keypoints_visible'], dtype=np.float32)
        results['keypoints_visible'] = np.where(inside, visible,
                                                0).astype(np.float32)
        return results
