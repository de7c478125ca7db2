"""MMEngine's distributed path on CPU: 2 processes, gloo backend.

The FashionAI metric gathered across ranks must equal the single-process
evaluation of the same checkpoint, with a validation set whose size (7) is
not divisible by the world size (2): no image counted twice or dropped.

An untrained model's heatmaps are nearly flat, so the comparison is made
bit-exact rather than approximate: one thread per process (torchrun's
default, set for the single process too) and batches of one image, so that
every image sees the same arithmetic in every run.
"""
import os
import re
import socket

import pytest
import torch

from fixtures import (BASE_CONFIG, mim, mim_test, run_checked, tiny_config,
                      write_data)

# gloo instead of nccl; and DDP without device_ids, as it wants for a model on
# the CPU (mmengine passes device_ids=[LOCAL_RANK] unless told otherwise)
CPU_DISTRIBUTED = """
env_cfg = dict(dist_cfg=dict(backend='gloo'))
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', broadcast_buffers=False, device_ids=None)
"""
SAME_ARITHMETIC = dict(env=dict(OMP_NUM_THREADS='1'))
ONE_IMAGE_BATCHES = ('val_dataloader.batch_size=1',
                     'test_dataloader.batch_size=1')
# Each rank writes a digest of its parameters before and after training: DDP
# keeps them equal by averaging gradients (the ranks see different images).
RANK_DIGEST_HOOK = """
import hashlib
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class ParameterDigestHook(Hook):

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def _write(self, runner, when):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        digest = hashlib.sha256()
        for parameter in model.parameters():
            digest.update(parameter.detach().cpu().numpy().tobytes())
        with open(f'{self.out_dir}/{when}_{get_rank()}.txt', 'w') as file:
            file.write(digest.hexdigest())

    def before_train(self, runner):
        self._write(runner, 'before')

    def after_train(self, runner):
        self._write(runner, 'after')
"""


def metric(log, name):
    values = re.findall(rf'fashionai/{name}: (\d+(?:\.\d+)?)', log)
    assert values, f'no fashionai/{name} in the log'
    return float(values[-1])


@pytest.mark.slow
def test_two_processes_gather_the_metric_exactly(tmp_path):
    data = tmp_path / 'data'
    write_data(data, categories=('blouse', ), train=8, val=7)
    work = tmp_path / 'work'
    (tmp_path / 'parameter_digest.py').write_text(RANK_DIGEST_HOOK)
    digests = tmp_path / 'digests'
    digests.mkdir()
    config = tiny_config(
        BASE_CONFIG,
        work,
        data,
        max_epochs=1,
        extra=CPU_DISTRIBUTED + f"""
custom_imports = dict(
    imports=['fashionai_patches', 'fashionai_dataset', 'parameter_digest'],
    allow_failed_imports=False)
custom_hooks = _base_.custom_hooks + [
    dict(type='ParameterDigestHook', out_dir={str(digests)!r})]
# real steps: no warm-up from 5e-7, a learning rate that moves the weights
param_scheduler = []
optim_wrapper = dict(optimizer=dict(lr=1e-2))
""")
    on_path = dict(PYTHONPATH=str(tmp_path), **SAME_ARITHMETIC['env'])

    log = mim(
        'train',
        'mmpose',
        config,
        '--launcher',
        'pytorch',
        '--gpus',
        '2',
        '--cfg-options',
        *ONE_IMAGE_BATCHES,
        cwd=tmp_path,
        env=on_path)
    assert 'Distributed training: True' in log
    assert re.search(r'world_size: 2|GPU number: 2', log)
    # the ranks trained different images into the same weights
    before = {(digests / f'before_{r}.txt').read_text() for r in (0, 1)}
    after = {(digests / f'after_{r}.txt').read_text() for r in (0, 1)}
    assert len(before) == 1 and len(after) == 1 and before != after
    checkpoint = work / 'epoch_1.pth'

    single = mim_test(
        config,
        checkpoint,
        '--cfg-options',
        *ONE_IMAGE_BATCHES,
        f'test_evaluator.outfile={tmp_path / "single.csv"}',
        cwd=tmp_path,
        env=on_path)
    distributed = mim_test(
        config,
        checkpoint,
        '--launcher',
        'pytorch',
        '--gpus',
        '2',
        '--cfg-options',
        *ONE_IMAGE_BATCHES,
        f'test_evaluator.outfile={tmp_path / "distributed.csv"}',
        cwd=tmp_path,
        env=on_path)
    assert 'Distributed training: True' in distributed
    # the same predictions, row by row, in the file's order
    rows = (tmp_path / 'single.csv').read_text().splitlines()
    assert len(rows) == 8
    assert (tmp_path / 'distributed.csv').read_text().splitlines() == rows
    for result in (log, single, distributed):
        assert metric(result, 'num_images') == 7
    assert metric(distributed, 'NE') == pytest.approx(
        metric(single, 'NE'), abs=1e-6)
    # the validation during training saw the weights saved at that epoch
    assert metric(log, 'NE') == pytest.approx(metric(single, 'NE'), abs=1e-6)


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='the CPU path is not installed here')
def test_the_process_group_is_destroyed_at_exit():
    """MMPose's scripts never destroy the process group; left to the
    interpreter's end, gloo's threads now and then abort it (SIGABRT after
    the run's work). The patched launcher destroys it at exit."""
    code = '''
import atexit, torch
atexit.register(lambda: print('at exit:', torch.distributed.is_initialized()))
import fashionai_patches
from mmengine.dist import init_dist
init_dist('pytorch', backend='gloo')
print('running:', torch.distributed.is_initialized())
'''
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        RANK='0',
        LOCAL_RANK='0',
        WORLD_SIZE='1',
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(port))
    result = run_checked('-c', code, env=env)
    assert result.stdout.split() == [
        'running:', 'True', 'at', 'exit:', 'False'
    ]
