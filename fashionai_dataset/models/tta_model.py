"""Test-time augmentation: several views of each image, merged."""
from typing import List

import numpy as np
from mmengine.model import BaseTTAModel
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample


def undo_rotation(points: np.ndarray, center: np.ndarray,
                  degrees: float) -> np.ndarray:
    """Map points predicted on a rotated view back to the original image.

    ``TopdownAffine`` turns the box by ``degrees`` about its center; the
    top-down model maps its output back through the box's center and scale
    only, which leaves the points turned by ``-degrees`` in image
    coordinates (x right, y down). This turns them back by ``degrees``.

    Args:
        points: Shape (..., 2), original-image pixels as the model returned
            them.
        center: The box center, shape (2, ), pixels.
        degrees: The view's ``bbox_rotation``.

    Returns:
        np.ndarray: The points, same shape.
    """
    angle = np.deg2rad(degrees)
    cos, sin = np.cos(angle), np.sin(angle)
    offset = np.asarray(points, dtype=np.float64) - center
    turned = np.stack([
        offset[..., 0] * cos + offset[..., 1] * sin,
        -offset[..., 0] * sin + offset[..., 1] * cos
    ],
                      axis=-1)
    return turned + center


@MODELS.register_module()
class FashionAITTAModel(BaseTTAModel):
    """Average a top-down model's predictions over views of each image.

    The views come from ``mmcv``'s ``TestTimeAug`` in the test pipeline:
    box scales and rotations (:class:`BBoxView`); flip test stays inside
    the wrapped model (its ``test_cfg``), with the category's pairs. The
    wrapped model decodes each view with its own codec and maps the points
    to original-image pixels through that view's box; this model undoes the
    view's rotation and averages the points and their scores.

    Merging happens on those coordinates, not on heatmaps: each view's
    inverse transform is exact there, whatever the codec (heatmap, SimCC,
    regression), while averaging heatmaps would first need warping them to
    a common frame, with the interpolation error that brings.

    Args:
        module: The top-down model (config or module); its checkpoint loads
            unchanged (MMEngine loads a ``BaseTTAModel``'s weights into
            ``module``).

    Note:
        Give ``PackPoseInputs`` in the test pipeline the meta key
        ``bbox_rotation``; a view without it counts as unrotated.
    """

    def merge_preds(self, data_samples_list: List[List[PoseDataSample]]
                    ) -> List[PoseDataSample]:
        """One prediction per image from the predictions of its views.

        Args:
            data_samples_list: For each image, its views' predictions, each
                with ``pred_instances.keypoints`` (1, K, 2) in original
                pixels and ``keypoint_scores`` (1, K).

        Returns:
            list: The first view's sample of each image, with the averaged
            keypoints and scores.
        """
        merged = []
        for views in data_samples_list:
            points = np.stack([self._view_points(view) for view in views])
            scores = np.stack([
                np.asarray(view.pred_instances.keypoint_scores)
                for view in views
            ])
            pred = InstanceData()
            pred.keypoints = points.mean(axis=0)
            pred.keypoint_scores = scores.mean(axis=0)
            pred.keypoints_visible = pred.keypoint_scores
            sample = views[0]
            sample.pred_instances = pred
            merged.append(sample)
        return merged

    @staticmethod
    def _view_points(view: PoseDataSample) -> np.ndarray:
        """A view's points with its rotation undone, shape (1, K, 2)."""
        points = np.asarray(view.pred_instances.keypoints, dtype=np.float64)
        rotation = view.metainfo.get('bbox_rotation')
        if rotation is None or not np.any(rotation):
            return points
        return undo_rotation(points, np.asarray(view.metainfo['input_center']),
                             float(np.asarray(rotation).ravel()[0]))
