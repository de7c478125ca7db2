"""A fixed view of the instance box, for test-time augmentation."""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class BBoxView(BaseTransform):
    """Scale the instance box and set its rotation, the same for every image.

    ``RandomBBoxTransform`` draws a shift, scale and rotation per sample for
    training; a test-time view needs fixed ones. Place this after
    ``GetBBoxCenterScale`` and before ``TopdownAffine``, which warps the
    image by ``bbox_scale`` and ``bbox_rotation``. Give ``PackPoseInputs``
    the meta key ``bbox_rotation`` so that the test-time model can undo it
    (``FashionAITTAModel``).

    Args:
        scale_factor: Multiplies the box side: below 1 zooms in, above 1
            zooms out.
        rotation: Degrees, as ``TopdownAffine`` takes them (positive turns
            the image counter-clockwise in the input).

    Required keys: ``bbox_scale`` (N, 2).
    Modified keys: ``bbox_scale``. Added keys: ``bbox_rotation`` (N, ).
    """

    def __init__(self, scale_factor: float = 1.0, rotation: float = 0.0):
        super().__init__()
        if scale_factor <= 0:
            raise ValueError(f'BBoxView: scale_factor {scale_factor}; '
                             'expected a positive number')
        self.scale_factor = scale_factor
        self.rotation = rotation

    def transform(self, results: Dict) -> Dict:
        scale = np.asarray(results['bbox_scale'], dtype=np.float32)
        results['bbox_scale'] = scale * self.scale_factor
        results['bbox_rotation'] = np.full(
            len(scale), self.rotation, dtype=np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale_factor='
                f'{self.scale_factor}, rotation={self.rotation})')
