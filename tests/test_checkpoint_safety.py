"""Checkpoints load with torch's weights_only protection on."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

from fashionai_dataset.weights_only import (TAG, UnsafeCheckpointError, decode,
                                            encode, load_from_weights_only)
from fixtures import TOOLS, mim, mim_test, run_python


class RunsCode:
    """Unpickling this creates a file: the attack weights_only stops."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_encode_decode_round_trip(tmp_path):
    from collections import Counter, OrderedDict
    value = dict(
        meta=dict(
            sigmas=np.array([0.1, 0.2], dtype=np.float32),
            ids=np.arange(6).reshape(2, 3),
            score=np.float64(1.5)),
        message_hub=dict(
            log_scalars=dict(
                loss=HistoryBuffer(np.array([1.0, 2.0]), np.array([1, 1]),
                                   5))),
        param_schedulers=[dict(milestones=Counter({
            170: 1,
            200: 1
        }))],
        state_dict=OrderedDict(w=torch.ones(2)))
    plain = encode(value)
    assert isinstance(plain['meta']['score'], float)
    # through the file, as the hook's checkpoints go: torch's safe loader
    # must accept every encoded value
    torch.save(plain, tmp_path / 'plain.pth')
    with pytest.raises(Exception, match='weights_only|Unsupported global'):
        torch.save(value, tmp_path / 'raw.pth')
        torch.load(tmp_path / 'raw.pth', weights_only=True)
    back = decode(torch.load(tmp_path / 'plain.pth', weights_only=True))
    assert back['meta']['sigmas'].dtype == np.float32
    np.testing.assert_array_equal(back['meta']['ids'], value['meta']['ids'])
    buffer = back['message_hub']['log_scalars']['loss']
    assert isinstance(buffer, HistoryBuffer) and buffer.max_length == 5
    np.testing.assert_array_equal(buffer.data[0], [1.0, 2.0])
    assert back['param_schedulers'][0]['milestones'] == Counter({
        170: 1,
        200: 1
    })
    assert type(back['state_dict']) is OrderedDict
    # a checkpoint from before 2026-12-07 holds its Counter tagged
    torch.save(
        dict(milestones={
            TAG: 'Counter',
            'items': [[170, 1], [200, 1]]
        }), tmp_path / 'old.pth')
    assert load_from_weights_only(str(tmp_path / 'old.pth'))['milestones'] == (
        Counter({
            170: 1,
            200: 1
        }))


def test_code_running_checkpoint_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=RunsCode(marker)), path)
    with pytest.raises(
            UnsafeCheckpointError,
            match=r'evil.pth: refused to load: the checkpoint '
            'holds Python objects that could run code'):
        load_from_weights_only(str(path))
    # mmengine's own entry point goes through the same loader
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_loading_ignores_the_global_switch(tmp_path):
    """Even TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 does not reopen the hole."""
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save(dict(meta=RunsCode(marker)), path)
    code = ('import fashionai_patches\n'
            'from mmengine.runner.checkpoint import _load_checkpoint\n'
            f'_load_checkpoint({str(path)!r})\n')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            env=dict(
                                os.environ,
                                TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1'))
    assert result.returncode != 0
    assert 'refused to load' in result.stderr, result.stderr
    assert not marker.exists()


def test_predict_refuses_an_unsafe_checkpoint_in_one_line(tmp_path):
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pth'
    torch.save(dict(meta=RunsCode(marker)), evil)
    result = run_python(TOOLS / 'predict.py', tmp_path / 'test.csv', tmp_path,
                        tmp_path / 'p.csv', '--model', f'blouse={evil}')
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith(
        f'error: {evil}: refused to load: the checkpoint holds Python '
        'objects that could run code'), result.stderr
    assert not marker.exists() and not (tmp_path / 'p.csv').exists()


@pytest.mark.slow
def test_trained_checkpoint_loads_weights_only(trained_elsewhere):
    raw = torch.load(trained_elsewhere.checkpoint, weights_only=True)
    checkpoint = decode(raw)
    assert isinstance(checkpoint['meta']['dataset_meta']['sigmas'], np.ndarray)
    assert checkpoint['meta']['dataset_meta']['num_keypoints'] == 13


@pytest.mark.slow
def test_mim_test_refuses_an_unsafe_checkpoint(trained_elsewhere, tmp_path):
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pth'
    checkpoint = torch.load(trained_elsewhere.checkpoint, weights_only=True)
    checkpoint['meta']['note'] = RunsCode(marker)
    torch.save(checkpoint, evil)
    with pytest.raises(AssertionError, match='refused to load'):
        mim_test(
            trained_elsewhere.config.name, evil, cwd=trained_elsewhere.folder)
    assert not marker.exists()
    predict = run_python(
        TOOLS / 'predict.py',
        trained_elsewhere.val_csv,
        trained_elsewhere.data / 'val',
        tmp_path / 'p.csv',
        '--model',
        f'all={evil}',
        ignore_warnings=False)
    assert predict.returncode != 0 and 'refused to load' in predict.stderr
    assert not marker.exists()


@pytest.mark.slow
def test_load_from_and_resume_refuse_an_unsafe_checkpoint(
        trained_elsewhere, tmp_path):
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pth'
    checkpoint = torch.load(trained_elsewhere.checkpoint, weights_only=True)
    checkpoint['meta']['note'] = RunsCode(marker)
    torch.save(checkpoint, evil)
    config = trained_elsewhere.config.name
    with pytest.raises(AssertionError, match='refused to load'):
        mim('train',
            'mmpose',
            config,
            '--cfg-options',
            f'load_from={evil}',
            f'work_dir={tmp_path / "load_from"}',
            cwd=trained_elsewhere.folder)
    # --resume takes the work folder's last checkpoint
    work = tmp_path / 'resume'
    work.mkdir()
    (work / 'last_checkpoint').write_text(str(evil))
    with pytest.raises(AssertionError, match='refused to load'):
        mim('train',
            'mmpose',
            config,
            '--resume',
            '--cfg-options',
            f'work_dir={work}',
            cwd=trained_elsewhere.folder)
    assert not marker.exists()
