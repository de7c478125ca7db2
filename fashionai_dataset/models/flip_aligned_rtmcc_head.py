"""RTMCCHead whose flip test puts the mirrored prediction where it belongs.

MMPose's RTMCCHead mirrors the x distribution of the flipped image by
reversing its bins. Bin ``i`` stands for input x ``i / r`` (``r``: the split
ratio) and mirroring the input maps x to ``W - 1 - x``, so the mirrored
point belongs in bin ``r * (W - 1) - i``; reversing puts it in
``r * W - 1 - i``, ``r - 1`` bins to the right. With the default ``r = 2``
the flip-test average is a quarter input pixel to the right on every point,
more than SimCCLabel's whole rounding error. This head
moves the reversed bins ``r - 1`` to the left before averaging.
"""
import torch
from mmengine.structures import PixelData
from mmpose.codecs.utils import get_simcc_normalized
from mmpose.models.heads import RTMCCHead
from mmpose.models.utils.tta import flip_vectors
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import OptConfigType, OptSampleList

from fashionai_deploy.decoding import shift_bins_left


@MODELS.register_module()
class FlipAlignedRTMCCHead(RTMCCHead):
    """:class:`~mmpose.models.heads.RTMCCHead` with an aligned flip test.

    Same arguments, outputs and losses as RTMCCHead; only ``predict`` with
    ``test_cfg.flip_test`` differs (see the module docstring).
    """

    def predict(self,
                feats,
                batch_data_samples: OptSampleList,
                test_cfg: OptConfigType = {}):
        """Predictions as RTMCCHead's, with the flip test aligned."""
        if not test_cfg.get('flip_test', False):
            return super().predict(feats, batch_data_samples, test_cfg)
        flip_indices = batch_data_samples[0].metainfo['flip_indices']
        plain, mirrored = feats
        x, y = self.forward(plain)
        x_flip, y_flip = flip_vectors(
            *self.forward(mirrored), flip_indices=flip_indices)
        x_flip = shift_bins_left(x_flip, self.simcc_split_ratio - 1)
        x, y = (x + x_flip) * 0.5, (y + y_flip) * 0.5
        preds = self.decode((x, y))
        if not test_cfg.get('output_heatmaps', False):
            return preds
        # as RTMCCHead: the outer product of the normalized distributions
        x, y = get_simcc_normalized(x), get_simcc_normalized(y)
        heatmaps = torch.matmul(y.unsqueeze(-1), x.unsqueeze(-2))
        for instances, x_labels, y_labels in zip(preds, to_numpy(x),
                                                 to_numpy(y)):
            instances.keypoint_x_labels = x_labels[None]
            instances.keypoint_y_labels = y_labels[None]
        return preds, [PixelData(heatmaps=hm) for hm in heatmaps.detach()]
