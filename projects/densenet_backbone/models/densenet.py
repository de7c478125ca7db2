"""torchvision's DenseNet as an MMPose backbone."""
import re
from typing import Dict, Optional, Tuple

import torch
from mmpose.models.backbones.base_backbone import BaseBackbone
from mmpose.registry import MODELS
from torchvision.models.densenet import DenseNet as TorchvisionDenseNet

#: torchvision's architectures: (growth_rate, block_config,
#: num_init_features).
ARCHITECTURES: Dict[int, Tuple[int, Tuple[int, ...], int]] = {
    121: (32, (6, 12, 24, 16), 64),
    169: (32, (6, 12, 32, 32), 64),
    201: (32, (6, 12, 48, 32), 64),
}

# torchvision's ImageNet checkpoints predate its module names: a dense
# layer's 'norm.1' is 'norm1' now (torchvision.models.densenet does the same
# renaming when it loads them)
_OLD_LAYER_KEY = re.compile(r'^(.*denselayer\d+\.(?:norm|relu|conv))\.'
                            r'((?:[12])\.(?:weight|bias|running_mean|'
                            r'running_var))$')


def rename_old_densenet_keys(state_dict: Dict[str, torch.Tensor]
                             ) -> Dict[str, torch.Tensor]:
    """Map torchvision's pre-0.3 DenseNet keys (``norm.1``) to today's."""
    renamed = {}
    for key, value in state_dict.items():
        match = _OLD_LAYER_KEY.match(key)
        renamed[match.group(1) + match.group(2) if match else key] = value
    return renamed


def _rename_old_keys_in_place(module: torch.nn.Module, state_dict: dict,
                              *args) -> None:
    """A load_state_dict pre-hook: :func:`rename_old_densenet_keys`."""
    renamed = rename_old_densenet_keys(state_dict)
    state_dict.clear()
    state_dict.update(renamed)


@MODELS.register_module()
class DenseNet(BaseBackbone):
    """DenseNet backbone (Huang et al., CVPR 2017), torchvision's layers.

    The classifier is dropped; the output is the final feature map after
    the last batch norm and ReLU, at 1/32 of the input (e.g. 1024 x 8 x 8
    for DenseNet-121 at 256 x 256), as a one-element tuple like MMPose's
    ResNet with ``out_indices=(3, )``.

    Args:
        depth: 121, 169 or 201 (torchvision's architectures).
        growth_rate: Overrides the architecture's growth rate (channels
            each dense layer adds); smaller makes a thinner network.
        num_init_features: Overrides the stem's output channels.
        memory_efficient: Recompute the dense layers' concatenations in the
            backward pass (torchvision's checkpointing): less memory, slower.
        init_cfg: ``dict(type='Pretrained',
            checkpoint='torchvision://densenet121')`` loads ImageNet weights
            (the old key names of torchvision's files are mapped); other
            initializers as MMEngine's.
    """

    def __init__(self,
                 depth: int = 121,
                 growth_rate: Optional[int] = None,
                 num_init_features: Optional[int] = None,
                 memory_efficient: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if depth not in ARCHITECTURES:
            raise KeyError(f'DenseNet depth {depth} is not one of '
                           f'{sorted(ARCHITECTURES)}')
        default_growth, block_config, default_init = ARCHITECTURES[depth]
        network = TorchvisionDenseNet(
            growth_rate=growth_rate or default_growth,
            block_config=block_config,
            num_init_features=num_init_features or default_init,
            memory_efficient=memory_efficient)
        self.features = network.features
        self.out_channels: int = network.classifier.in_features
        # whatever loads torchvision's files (init_cfg's Pretrained, through
        # MMEngine's CheckpointLoader) gets today's names
        self.register_load_state_dict_pre_hook(_rename_old_keys_in_place)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        """Features of images ``x`` (N, 3, H, W): ((N, C, H/32, W/32), )."""
        return (torch.relu(self.features(x)), )
