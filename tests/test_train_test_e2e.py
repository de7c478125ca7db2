"""End to end through `mim train` / `mim test` on real files the test writes.

A tiny variant of configs/fashionai/hrnet_w32_blouse.py (ResNet-18 at 64x64,
see fixtures.tiny_config) trains for two epochs on real JPEGs and a real CSV,
is tested from its best checkpoint, and resumed; once from the repository
root and once from another folder with the default relative data layout.
"""
import re

import pytest

from fashionai_core.csv_io import read_fashionai_csv
from fixtures import (BASE_CONFIG, REPO_ROOT, TOOLS, best_checkpoint, mim,
                      mim_test, run_python, tiny_config, write_data)

NE_PATTERN = re.compile(r'fashionai/NE: (\d+\.\d+)')


@pytest.mark.slow
def test_train_test_resume_from_repo_root(tmp_path):
    write_data(tmp_path / 'data')
    work_dir = tmp_path / 'work'
    config = tiny_config(BASE_CONFIG, work_dir, data_root=tmp_path / 'data')

    # the real `mim` here (elsewhere its scripts run in the test's process)
    log = mim('train', 'mmpose', config, cwd=REPO_ROOT, fresh=True)
    val_ne = [float(v) for v in NE_PATTERN.findall(log)]
    assert len(val_ne) == 2, 'one validation per epoch'
    best = best_checkpoint(work_dir)
    assert (work_dir / 'epoch_2.pth').exists()

    log = mim_test(config, best, cwd=REPO_ROOT, fresh=True)
    (test_ne, ) = [float(v) for v in NE_PATTERN.findall(log)]
    assert test_ne == pytest.approx(
        min(val_ne),
        abs=1e-6), ('the best checkpoint reproduces its validation NE')

    log = mim(
        'train',
        'mmpose',
        config,
        '--resume',
        '--cfg-options',
        'train_cfg.max_epochs=3',
        cwd=REPO_ROOT)
    assert 'resumed epoch: 2' in log
    assert 'Epoch(train) [1]' not in log and 'Epoch(train) [3]' in log
    assert (work_dir / 'epoch_3.pth').exists()


@pytest.mark.slow
def test_train_and_test_from_another_folder(trained_elsewhere):
    """`trained_elsewhere` (conftest) ran `mim train` from a folder outside
    the repository with the configs' default relative data layout."""
    folder = trained_elsewhere.folder
    submission = folder / 'predictions.csv'
    log = mim_test(
        trained_elsewhere.config.name,
        trained_elsewhere.checkpoint,
        '--cfg-options',
        f'test_evaluator.outfile={submission}',
        cwd=folder)
    assert NE_PATTERN.search(log)
    predictions = read_fashionai_csv(submission, allow_decimal=True)
    truth = read_fashionai_csv(trained_elsewhere.val_csv)
    blouses = [
        i for i, c in zip(truth.image_ids, truth.categories) if c == 'blouse'
    ]
    assert predictions.image_ids == blouses

    # the submission evaluates with the same NE as the runner printed
    evaluate = run_python(
        TOOLS / 'evaluate.py',
        trained_elsewhere.val_csv,
        submission,
        '--category',
        'blouse',
        cwd=folder,
        ignore_warnings=False,
        check=True)
    tool_ne = float(evaluate.stdout.splitlines()[0].split()[1])
    assert tool_ne == pytest.approx(float(NE_PATTERN.search(log)[1]), abs=0.01)
