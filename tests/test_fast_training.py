"""The fast training path through the real runner: bf16 autocast (CPU here),
channels_last, float32 head outputs."""
import re

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from fashionai_dataset.engine.hooks.fp32_head_output_hook import \
    Float32HeadOutputHook
from fixtures import BASE_CONFIG, REPO_ROOT, mim, tiny_config, write_data

FAST_CONFIG = (
    REPO_ROOT / 'configs' / 'fashionai' / 'res18_all_128_demo_fast.py')
# the demo's codec at the tiny input size
TINY_DEMO_CODEC = '''codec = dict(
    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1,
    unbiased=True)
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
    # the shipped fast config, shrunk; its learning rate not scaled down
    config = tiny_config(
        FAST_CONFIG,
        tmp_path / 'work',
        tmp_path / 'data',
        max_epochs=1,
        codec=TINY_DEMO_CODEC,
        extra='auto_scale_lr = dict(enable=False)\n')
    log = mim('train', 'mmpose', config, cwd=tmp_path)
    assert ('mixed precision on this machine: CPUAutocastOptimWrapper in '
            'bfloat16') in log
    assert re.search(r'fashionai/NE: \d', log)
    checkpoint = torch.load(
        tmp_path / 'work' / 'epoch_1.pth', weights_only=True)
    weights = [
        v for v in checkpoint['state_dict'].values() if v.is_floating_point()
    ]
    assert all(v.dtype == torch.float32 for v in weights)
    log = mim(
        'test',
        'mmpose',
        config,
        '--checkpoint',
        tmp_path / 'work' / 'epoch_1.pth',
        cwd=tmp_path)
    assert re.search(r'fashionai/NE: \d', log)
