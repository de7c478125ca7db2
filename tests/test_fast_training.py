"""The fast training path through the real runner: bf16 autocast (CPU here),
channels_last, float32 head outputs."""
import re

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS, OPTIM_WRAPPERS

from fashionai_dataset.engine.hooks.channels_last_hook import ChannelsLastHook
from fashionai_dataset.engine.hooks.fp32_head_output_hook import \
    Float32HeadOutputHook
from fixtures import (BASE_CONFIG, CONFIG_DIR, mim, mim_test, tiny_config,
                      write_data)

FAST_CONFIG = (CONFIG_DIR / 'res18_all_128_demo_fast.py')
# the demo's codec at the tiny input size
TINY_DEMO_CODEC = '''codec = dict(
    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1,
    unbiased=True)
'''

# A hook the test adds to the shipped fast config: during the first training
# step it records the backbone's output dtype and its first weight's memory
# format.
OBSERVER = """
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class FastPathObserverHook(Hook):

    def __init__(self, out):
        self.out = out

    def before_train(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model

        def record(module, inputs, outputs):
            weight = next(p for p in model.parameters() if p.dim() == 4)
            layout = ('channels_last'
                      if weight.is_contiguous(
                          memory_format=torch.channels_last)
                      and not weight.is_contiguous() else 'contiguous')
            with open(self.out, 'w') as file:
                file.write(f'{outputs[-1].dtype} {layout}')
            handle.remove()

        handle = model.backbone.register_forward_hook(record)
"""


class FakeRunner:

    def __init__(self, model):
        self.model = model


def small_heatmap_model():
    """The base config's heatmap model with a ResNet-18 from scratch."""
    cfg = Config.fromfile(str(BASE_CONFIG))
    cfg.model.backbone = dict(type='ResNet', depth=18, init_cfg=None)
    cfg.model.head.in_channels = 512
    cfg.model.head.deconv_out_channels = (16, 16, 16)
    cfg.model.head.deconv_kernel_sizes = (4, 4, 4)
    return MODELS.build(cfg.model)


def test_head_outputs_float32_under_bf16_autocast():
    model = small_heatmap_model()
    images = torch.rand(1, 3, 64, 64)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert model._forward(images).dtype == torch.bfloat16
    Float32HeadOutputHook().before_run(FakeRunner(model))
    Float32HeadOutputHook().before_run(FakeRunner(model))  # idempotent
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert model._forward(images).dtype == torch.float32


def test_channels_last_hook_converts_the_weights_once():
    model = small_heatmap_model()
    weights = [p for p in model.parameters() if p.dim() == 4]
    assert not any(
        w.is_contiguous(
            memory_format=torch.channels_last) and not w.is_contiguous()
        for w in weights)
    ChannelsLastHook().before_run(FakeRunner(model))
    assert all(
        w.is_contiguous(memory_format=torch.channels_last) for w in weights)
    # the activations follow: the backbone's output is channels_last too
    with torch.no_grad():
        feats = model.backbone(torch.rand(1, 3, 64, 64))
    assert feats[-1].is_contiguous(memory_format=torch.channels_last)
    assert not feats[-1].is_contiguous()


def test_cpu_autocast_wrapper_runs_the_forward_in_bf16():
    model = torch.nn.Conv2d(3, 4, 3)
    wrapper = OPTIM_WRAPPERS.build(
        dict(
            type='MixedPrecisionOptimWrapper',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    assert type(wrapper).__name__ == 'CPUAutocastOptimWrapper'
    with wrapper.optim_context(model):
        assert model(torch.rand(1, 3, 8, 8)).dtype == torch.bfloat16
    assert model(torch.rand(1, 3, 8, 8)).dtype == torch.float32
    assert model.weight.dtype == torch.float32  # the master weights


@pytest.mark.slow
def test_fast_path_trains_and_tests(tmp_path):
    write_data(tmp_path / 'data')
    (tmp_path / 'observe_fast_path.py').write_text(OBSERVER)
    # the shipped fast config, shrunk; its learning rate not scaled down
    config = tiny_config(
        FAST_CONFIG,
        tmp_path / 'work',
        tmp_path / 'data',
        max_epochs=1,
        codec=TINY_DEMO_CODEC,
        extra=f"""auto_scale_lr = dict(enable=False)
custom_imports = dict(
    imports=['fashionai_patches', 'fashionai_dataset', 'observe_fast_path'])
custom_hooks = _base_.custom_hooks + [
    dict(type='FastPathObserverHook', out={str(tmp_path / 'seen.txt')!r})]
""")
    log = mim(
        'train',
        'mmpose',
        config,
        cwd=tmp_path,
        env=dict(PYTHONPATH=str(tmp_path)))
    assert ('mixed precision on this machine: CPUAutocastOptimWrapper in '
            'bfloat16') in log
    # what the training steps ran: bf16 activations, channels_last weights
    assert (tmp_path / 'seen.txt').read_text().split() == [
        'torch.bfloat16', 'channels_last'
    ]
    assert re.search(r'fashionai/NE: \d', log)
    checkpoint = torch.load(
        tmp_path / 'work' / 'epoch_1.pth', weights_only=True)
    weights = [
        v for v in checkpoint['state_dict'].values() if v.is_floating_point()
    ]
    assert all(v.dtype == torch.float32 for v in weights)
    log = mim_test(
        config,
        tmp_path / 'work' / 'epoch_1.pth',
        cwd=tmp_path,
        env=dict(PYTHONPATH=str(tmp_path)))
    assert re.search(r'fashionai/NE: \d', log)
