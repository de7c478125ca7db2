"""Every unreadable checkpoint and every closed output pipe gets one line.

A checkpoint cut short by a failed copy, an empty file, a saved HTML error
page, a text file, another zip archive, a corrupt archive and a missing
path each get their own one-line reason naming the file, through the
loader every tool and runner path uses, and exit 1 from the tools, with
nothing written.
"""
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint

from fashionai_core.cli import EXIT_PIPE_CLOSED
from fashionai_dataset.weights_only import (MissingCheckpointError,
                                            UnreadableCheckpointError)
from fixtures import REPO_ROOT, run_mim, run_python, write_split

#: kind -> (how the file is made from a good checkpoint's bytes, the
#: message after "error: PATH: ")
BAD_FILES = {
    'truncated':
    (lambda good: good[:len(good) // 2], 'truncated: the file ends ('),
    'empty': (lambda good: b'', 'empty (0 bytes)'),
    'html': (lambda good: b'<!DOCTYPE html>\n<html><body>404 Not Found',
             'not a checkpoint: it is an HTML page'),
    'text': (lambda good: b'epoch 12, loss 0.0012\n',
             "not a checkpoint: it is text beginning 'epoch 12, loss"),
    'corrupt': (lambda good: good[:200] + bytes(64) + good[264:],
                'corrupt: its bytes are damaged (Unsupported operand'),
    'pickle': (lambda good: pickle.dumps({'state_dict': {}}, protocol=2),
               'not a checkpoint: a pickle, but not one torch.save wrote'),
    'corrupt_archive': (lambda good: good[:-200] + bytes(178) + good[-22:],
                        'corrupt: its bytes are damaged (PytorchStreamReader'),
}


@pytest.fixture(scope='module')
def good_checkpoint(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp('good') / 'good.pth'
    torch.save(
        dict(
            state_dict={'w': torch.ones(64, 64)},
            meta=dict(cfg="model = dict(type='TopdownPoseEstimator')\n")),
        path)
    return path


def bad_file(kind: str, folder: Path, good: Path) -> Path:
    path = folder / f'{kind}.pth'
    path.write_bytes(BAD_FILES[kind][0](good.read_bytes()))
    return path


@pytest.mark.parametrize('kind', sorted(BAD_FILES))
def test_the_loader_says_what_is_wrong(kind, tmp_path, good_checkpoint):
    path = bad_file(kind, tmp_path, good_checkpoint)
    with pytest.raises(UnreadableCheckpointError) as error:
        _load_checkpoint(str(path), map_location='cpu')
    assert str(error.value).startswith(f'{path}: {BAD_FILES[kind][1]}')
    assert '\n' not in str(error.value)


def test_other_archives_and_missing_files(tmp_path):
    archive = tmp_path / 'images.pth'
    with zipfile.ZipFile(archive, 'w') as file:
        file.writestr('a.txt', 'not weights')
    with pytest.raises(
            UnreadableCheckpointError,
            match='not a checkpoint: a zip archive without the layout'):
        _load_checkpoint(str(archive))
    with pytest.raises(MissingCheckpointError, match='no such file'):
        _load_checkpoint(str(tmp_path / 'missing.pth'))
    # mmengine and the tools catch it as the FileNotFoundError it is too
    with pytest.raises(FileNotFoundError):
        _load_checkpoint(str(tmp_path / 'missing.pth'))
    # a checkpoint is a dict: a bare tensor is not one
    torch.save(torch.ones(2), tmp_path / 'tensor.pth')
    with pytest.raises(UnreadableCheckpointError, match='holds a Tensor'):
        _load_checkpoint(str(tmp_path / 'tensor.pth'))


def test_the_loader_log_line_names_it(good_checkpoint):
    result = run_python(
        '-c', 'import fashionai_patches\n'
        'from mmengine.runner.checkpoint import _load_checkpoint\n'
        f'_load_checkpoint({str(good_checkpoint)!r})')
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert 'Loads checkpoint by weights_only backend from path' in output
    assert 'by ts_only' not in output


def test_the_tools_give_one_line_and_write_nothing(tmp_path, good_checkpoint):
    csv = write_split(tmp_path / 'test', ['blouse'], images_per_category=1)
    paths = {
        kind: bad_file(kind, tmp_path, good_checkpoint)
        for kind in BAD_FILES
    }
    paths['missing'] = tmp_path / 'missing.pth'
    expected = dict({
        k: v[1]
        for k, v in BAD_FILES.items()
    },
                    missing='no such file')
    out = tmp_path / 'out'
    runs = {
        ('predict', 'truncated'):
        (REPO_ROOT / 'tools' / 'predict.py', csv, tmp_path / 'test',
         out / 'submission.csv', '--model', f'blouse={paths["truncated"]}'),
        ('predict', 'html'): (REPO_ROOT / 'tools' / 'predict.py', csv,
                              tmp_path / 'test', out / 'submission.csv',
                              '--model', f'all={paths["html"]}'),
        ('infer', 'empty'):
        (REPO_ROOT / 'tools' / 'infer.py', tmp_path / 'test', '--category',
         'blouse', '--model', paths['empty'], '--out-dir', out / 'infer'),
        ('export_onnx', 'text'):
        (REPO_ROOT / 'tools' / 'export_onnx.py',
         REPO_ROOT / 'configs' / 'fashionai' / 'hrnet_w16_all_128_demo.py',
         paths['text'], out / 'model.onnx'),
        ('merge_checkpoints', 'corrupt'):
        (REPO_ROOT / 'tools' / 'merge_checkpoints.py', good_checkpoint,
         paths['corrupt'], '-o', out / 'merged.pth'),
        ('predict', 'missing'): (REPO_ROOT / 'tools' / 'predict.py', csv,
                                 tmp_path / 'test', out / 'submission.csv',
                                 '--model', f'all={paths["missing"]}'),
        ('detect', 'missing'):
        (REPO_ROOT / 'tools' / 'detect.py', REPO_ROOT / 'projects' /
         'garment_detector' / 'configs' / 'rtmdet_tiny_garment_320.py',
         paths['missing'], csv, tmp_path / 'test', out / 'det.json'),
    }
    for (tool, kind), args in runs.items():
        result = run_python(*args)
        assert result.returncode == 1, (tool, kind, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(
            f'error: {paths[kind]}: {expected[kind]}'), (tool, kind,
                                                         result.stderr)
        # said before MMEngine's "Loads checkpoint by ... from path: X",
        # which reads as if it had loaded (a corrupt zip is found loading)
        assert (f'from path: {paths[kind]}' not in result.stdout
                or kind == 'corrupt'), (tool, kind, result.stdout)
    assert not out.exists()


@pytest.mark.slow
def test_runner_paths_give_the_same_line(trained_elsewhere, tmp_path):
    """``mim test --checkpoint``, ``load_from`` and ``--resume``: the same
    one line from the same loader, exit 1, no traceback."""
    good = Path(trained_elsewhere.checkpoint)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:good.stat().st_size // 3])
    config = trained_elsewhere.config.name
    resume_dir = tmp_path / 'resume'
    resume_dir.mkdir()
    (resume_dir / 'last_checkpoint').write_text(str(truncated))
    missing = tmp_path / 'missing.pth'
    commands = {
        'mim test': ('test', 'mmpose', config, '--checkpoint', truncated),
        'mim test, missing':
        ('test', 'mmpose', config, '--checkpoint', missing),
        'load_from':
        ('train', 'mmpose', config, '--cfg-options', f'load_from={truncated}',
         f'work_dir={tmp_path / "load_from"}'),
        '--resume': ('train', 'mmpose', config, '--resume', '--cfg-options',
                     f'work_dir={resume_dir}'),
    }
    for name, args in commands.items():
        result = run_mim(*args, cwd=trained_elsewhere.folder, timeout=600)
        assert result.returncode != 0, name
        before, line, after = result.stderr.partition(
            f'error: {missing}: no such file' if 'missing' in
            name else f'error: {truncated}: truncated: the file ends')
        assert line, (name, result.stderr[-2000:])
        # MMPose's tool printed the one line and no traceback; mim then
        # reports any failed run with its own CalledProcessError
        assert 'Traceback' not in before, (name, before[-2000:])
        assert 'Traceback' not in after or 'CalledProcessError' in after
        assert 'weights_only.py' not in after, after[-2000:]
    # MMPose's inferencer raises the same error for the caller to handle
    from mmpose.apis import MMPoseInferencer
    with pytest.raises(UnreadableCheckpointError, match='truncated'):
        MMPoseInferencer(
            pose2d=str(trained_elsewhere.config),
            pose2d_weights=str(truncated),
            device='cpu')


@pytest.mark.parametrize('tool', ['evaluate', 'select_models'])
def test_a_closed_output_pipe_ends_quietly(tool, tmp_path):
    """``tool | head -1``: the reader is gone before the tool prints."""
    csv = write_split(
        tmp_path / 'val', ['blouse', 'skirt'], images_per_category=3)
    pred = tmp_path / 'pred.csv'
    baseline = run_python(REPO_ROOT / 'tools' / 'constant_baseline.py', csv,
                          csv, pred)
    assert baseline.returncode == 0, baseline.stderr
    args = {
        'evaluate': [csv, pred],
        'select_models': [csv, '--model', f'mean={pred}'],
    }[tool]
    process = subprocess.Popen(
        [sys.executable,
         str(REPO_ROOT / 'tools' / f'{tool}.py')] + [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    process.stdout.close()  # as `head` does once it has its line
    stderr = process.stderr.read().decode()
    assert process.wait() == EXIT_PIPE_CLOSED, stderr
    assert stderr == ''
