"""The fast training path through the real runner: bf16 autocast (CPU here),
channels_last, float32 head outputs."""
import re

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from fashionai_dataset.engine.hooks.fp32_head_output_hook import \
    Float32HeadOutputHook
from fixtures import BASE_CONFIG, mim, tiny_config, write_data

FAST = '''
from fashionai_dataset.config_utils import fast_training
(optim_wrapper, env_cfg, auto_scale_lr, custom_hooks,
 _unused_loader) = fast_training(_base_.custom_hooks, batch_size=4,
                                 num_workers=0)
auto_scale_lr = dict(enable=False)  # keep the tiny run's learning rate
'''


class FakeRunner:

    def __init__(self, model):
        self.model = model


def test_head_outputs_float32_under_bf16_autocast():
    cfg = Config.fromfile(str(BASE_CONFIG))
    cfg.model.backbone = dict(type='ResNet', depth=18, init_cfg=None)
    cfg.model.head.in_channels = 512
    cfg.model.head.deconv_out_channels = (16, 16, 16)
    cfg.model.head.deconv_kernel_sizes = (4, 4, 4)
    model = MODELS.build(cfg.model)
    images = torch.rand(1, 3, 64, 64)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert model._forward(images).dtype == torch.bfloat16
    Float32HeadOutputHook().before_run(FakeRunner(model))
    Float32HeadOutputHook().before_run(FakeRunner(model))  # idempotent
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert model._forward(images).dtype == torch.float32


@pytest.mark.slow
def test_fast_path_trains_and_tests(tmp_path):
    write_data(tmp_path / 'data')
    config = tiny_config(BASE_CONFIG, tmp_path / 'work', tmp_path / 'data',
                         max_epochs=1, extra=FAST)
    log = mim('train', 'mmpose', config, cwd=tmp_path)
    assert 'CPUAutocastOptimWrapper' in log or 'AmpOptimWrapper' in log
    assert re.search(r'fashionai/NE: \d', log)
    checkpoint = torch.load(tmp_path / 'work' / 'epoch_1.pth',
                            weights_only=True)
    weights = [v for v in checkpoint['state_dict'].values()
               if v.is_floating_point()]
    assert all(v.dtype == torch.float32 for v in weights)
    log = mim('test', 'mmpose', config, '--checkpoint',
              tmp_path / 'work' / 'epoch_1.pth', cwd=tmp_path)
    assert re.search(r'fashionai/NE: \d', log)
