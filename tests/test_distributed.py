"""MMEngine's distributed path on CPU: 2 processes, gloo backend.

The FashionAI metric gathered across ranks must equal the single-process
evaluation of the same checkpoint, with a validation set whose size (7) is
not divisible by the world size (2): no image counted twice or dropped.

An untrained model's heatmaps are nearly flat, so the comparison is made
bit-exact rather than approximate: one thread per process (torchrun's
default, set for the single process too) and batches of one image, so that
every image sees the same arithmetic in every run.
"""
import re

import pytest

from fixtures import BASE_CONFIG, mim, tiny_config, write_data

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


def metric(log, name):
    values = re.findall(rf'fashionai/{name}: (\d+(?:\.\d+)?)', log)
    assert values, f'no fashionai/{name} in the log'
    return float(values[-1])


@pytest.mark.slow
def test_two_processes_gather_the_metric_exactly(tmp_path):
    data = tmp_path / 'data'
    write_data(data, categories=('blouse', ), train=8, val=7)
    work = tmp_path / 'work'
    config = tiny_config(
        BASE_CONFIG, work, data, max_epochs=1, extra=CPU_DISTRIBUTED)

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
        **SAME_ARITHMETIC)
    assert 'Distributed training: True' in log
    assert re.search(r'world_size: 2|GPU number: 2', log)
    checkpoint = work / 'epoch_1.pth'

    single = mim(
        'test',
        'mmpose',
        config,
        '--checkpoint',
        checkpoint,
        '--cfg-options',
        *ONE_IMAGE_BATCHES,
        cwd=tmp_path,
        **SAME_ARITHMETIC)
    distributed = mim(
        'test',
        'mmpose',
        config,
        '--checkpoint',
        checkpoint,
        '--launcher',
        'pytorch',
        '--gpus',
        '2',
        '--cfg-options',
        *ONE_IMAGE_BATCHES,
        cwd=tmp_path,
        **SAME_ARITHMETIC)
    for result in (log, single, distributed):
        assert metric(result, 'num_images') == 7
    assert metric(distributed, 'NE') == pytest.approx(
        metric(single, 'NE'), abs=1e-6)
    # the validation during training saw the weights saved at that epoch
    assert metric(log, 'NE') == pytest.approx(metric(single, 'NE'), abs=1e-6)
