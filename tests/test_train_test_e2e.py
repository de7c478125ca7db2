"""End to end through `mim train` / `mim test` on real files the test writes.

A tiny variant of configs/fashionai/hrnet_w32_blouse.py (ResNet-18 at 64x64,
see fixtures.tiny_config) trains for two epochs on real JPEGs and a real CSV,
is tested from its best checkpoint, and resumed; once from the repository
root and once from another folder with the default relative data layout.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import REPO_ROOT, tiny_config, write_split
from fashionai_dataset.csv_io import read_fashionai_csv

MIM = Path(sys.executable).parent / 'mim'
BASE_CONFIG = REPO_ROOT / 'configs' / 'fashionai' / 'hrnet_w32_blouse.py'
NE_PATTERN = re.compile(r'fashionai/NE: (\d+\.\d+)')


def mim(*args, cwd):
    result = subprocess.run([str(MIM)] + [str(a) for a in args],
                            cwd=cwd,
                            capture_output=True,
                            text=True,
                            timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def write_data(root: Path):
    write_split(root / 'train', images_per_category=6, seed=0)
    write_split(
        root / 'val', images_per_category=3, seed=1,
        csv_name='Annotations/val.csv')


def best_checkpoint(work_dir: Path) -> Path:
    (best, ) = work_dir.glob('best_fashionai_NE_epoch_*.pth')
    return best


@pytest.mark.slow
def test_train_test_resume_from_repo_root(tmp_path):
    write_data(tmp_path / 'data')
    work_dir = tmp_path / 'work'
    config = tiny_config(BASE_CONFIG, work_dir, data_root=tmp_path / 'data')

    log = mim('train', 'mmpose', config, cwd=REPO_ROOT)
    val_ne = [float(v) for v in NE_PATTERN.findall(log)]
    assert len(val_ne) == 2, 'one validation per epoch'
    best = best_checkpoint(work_dir)
    assert (work_dir / 'epoch_2.pth').exists()

    log = mim('test', 'mmpose', config, '--checkpoint', best, cwd=REPO_ROOT)
    (test_ne, ) = [float(v) for v in NE_PATTERN.findall(log)]
    assert test_ne == pytest.approx(min(val_ne), abs=1e-6), (
        'the best checkpoint reproduces its validation NE')

    log = mim('train', 'mmpose', config, '--resume', '--cfg-options',
              'train_cfg.max_epochs=3', cwd=REPO_ROOT)
    assert 'resumed epoch: 2' in log
    assert 'Epoch(train) [1]' not in log and 'Epoch(train) [3]' in log
    assert (work_dir / 'epoch_3.pth').exists()


@pytest.mark.slow
def test_train_and_test_from_another_folder(tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    write_data(elsewhere / 'data' / 'fashionai')  # the default layout
    work_dir = elsewhere / 'work'
    config = tiny_config(BASE_CONFIG, work_dir, data_root=None, max_epochs=1)

    mim('train', 'mmpose', config.name, cwd=elsewhere)
    submission = elsewhere / 'predictions.csv'
    log = mim('test', 'mmpose', config.name, '--checkpoint',
              best_checkpoint(work_dir), '--cfg-options',
              f'test_evaluator.outfile={submission}', cwd=elsewhere)
    assert NE_PATTERN.search(log)
    predictions = read_fashionai_csv(submission, allow_decimal=True)
    truth = read_fashionai_csv(
        elsewhere / 'data/fashionai/val/Annotations/val.csv')
    blouses = [i for i, c in zip(truth.image_ids, truth.categories)
               if c == 'blouse']
    assert predictions.image_ids == blouses

    # the submission evaluates with the same NE as the runner printed
    evaluate = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools' / 'evaluate.py'),
         str(elsewhere / 'data/fashionai/val/Annotations/val.csv'),
         str(submission), '--category', 'blouse'],
        capture_output=True, text=True, cwd=elsewhere)
    assert evaluate.returncode == 0, evaluate.stderr
    tool_ne = float(evaluate.stdout.splitlines()[0].split()[1])
    assert tool_ne == pytest.approx(float(NE_PATTERN.search(log)[1]), abs=0.01)
