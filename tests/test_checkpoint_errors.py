"""Every unreadable checkpoint and every closed output pipe gets one line.

A checkpoint cut short by a failed copy, an empty file, a saved HTML error
page, a text file, another zip archive, a corrupt archive and a missing
path each get their own one-line reason naming the file, through the
loader every tool and runner path uses, and exit 1 from the tools, with
nothing written.
"""
import io
import os
import pickle
import struct
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint
from test_checkpoint_safety import RunsCode

from fashionai_core.cli import EXIT_PIPE_CLOSED
from fashionai_dataset.weights_only import (MissingCheckpointError,
                                            UnreadableCheckpointError,
                                            UnsafeCheckpointError)
from fixtures import (DEMO_CONFIG, DETECTOR_CONFIG, REPO_ROOT, TOOLS,
                      one_error_line, run_checked, run_mim, run_python,
                      write_split)

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

CONFIG_TEXT = "model = dict(type='TopdownPoseEstimator')\n"


@pytest.fixture(scope='module')
def good_checkpoint(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp('good') / 'good.pth'
    torch.save(
        dict(state_dict={'w': torch.ones(64, 64)}, meta=dict(cfg=CONFIG_TEXT)),
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


def member_offsets(data: bytes) -> dict:
    """Each member's (local header, data, central directory entry) offsets
    in a zip archive's bytes."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    end = data.rfind(b'PK\x05\x06')
    entry = struct.unpack('<L', data[end + 16:end + 20])[0]
    offsets = {}
    for info in archive.infolist():
        header = info.header_offset
        name, extra = struct.unpack('<HH', data[header + 26:header + 30])
        offsets[info.filename.split('/', 1)[1]] = (header,
                                                   header + 30 + name + extra,
                                                   entry)
        entry += 46 + len(info.filename.encode()) + len(info.extra) + len(
            info.comment)
    return offsets


def flipped(data: bytes, at: int, bits: int = 0xFF) -> bytes:
    return data[:at] + bytes([data[at] ^ bits]) + data[at + 1:]


#: Where a byte of a good checkpoint is damaged (offset from its bytes and
#: member offsets, bits flipped), by what each did before it was found:
#: loaded other weights, refused as an attack, a traceback.
DAMAGE = {
    'a weight (loaded)':
    lambda data, at: (at['data/0'][1] + 100, 0xFF),
    'a global\'s name in data.pkl (refused as an attack)':
    lambda data, at: (data.index(b'_rebuild_tensor_v2') + 3, 0x01),
    'data.pkl marked a folder in the directory (refused as an attack)':
    lambda data, at: (at['data.pkl'][2] + 38, 0xFF),
    'data.pkl marked encrypted in the directory (a traceback)':
    lambda data, at: (at['data.pkl'][2] + 8, 0x01),
    'a compression flag in the directory (a traceback)':
    lambda data, at: (at['data.pkl'][2] + 8, 0xFF),
}


@pytest.mark.parametrize('where', sorted(DAMAGE))
def test_damaged_bytes_anywhere_are_corrupt(where, tmp_path, good_checkpoint):
    data = good_checkpoint.read_bytes()
    path = tmp_path / 'damaged.pth'
    path.write_bytes(flipped(data, *DAMAGE[where](data, member_offsets(data))))
    with pytest.raises(UnreadableCheckpointError) as error:
        _load_checkpoint(str(path), map_location='cpu')
    assert str(error.value).startswith(
        f'{path}: corrupt: its bytes are damaged ('), str(error.value)
    assert '\n' not in str(error.value)


def test_no_damaged_byte_of_the_archive_reads_as_an_attack(
        tmp_path, good_checkpoint):
    """Each byte of the headers, data.pkl, the directory and the end
    records flipped in turn: the weights load as saved (torch's padding,
    fields no reader uses) or one line says what is wrong, never a
    refusal (an attack) nor a traceback."""
    data = good_checkpoint.read_bytes()
    weights = member_offsets(data)['data/0'][1]
    path = str(tmp_path / 'damaged.pth')
    outcomes = set()
    for at in [*range(weights), *range(weights + 64 * 64 * 4, len(data))]:
        with open(path, 'wb') as file:
            file.write(flipped(data, at))
        try:
            checkpoint = _load_checkpoint(path, map_location='cpu')
        except UnreadableCheckpointError as error:
            # damage the bytes cannot show (a local header's flags, which
            # zipfile does not read) is torch's error, quoted
            assert '\n' not in str(error) and str(error).startswith(
                tuple(f'{path}: {reason}'
                      for reason in ('corrupt: ', 'truncated: ',
                                     'not a checkpoint: ',
                                     'torch cannot read it'))), (at,
                                                                 str(error))
            outcomes.add('corrupt')
        else:
            assert torch.equal(checkpoint['state_dict']['w'],
                               torch.ones(64, 64)), at
            assert checkpoint['meta'] == dict(cfg=CONFIG_TEXT), at
            outcomes.add('loaded')
    assert outcomes == {'corrupt', 'loaded'}


def torch_archive(good: Path, path: Path, change) -> Path:
    """``good``'s members rewritten whole (their CRCs right) through
    ``change(name, data)``, which returns the new bytes or None to leave
    the member out."""
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, 'w') as out:
        for info in source.infolist():
            data = change(info.filename.split('/', 1)[1], source.read(info))
            if data is not None:
                out.writestr(info.filename, data)
    return path


def test_intact_archives_torch_cannot_read(tmp_path, good_checkpoint):
    """Whole zip archives that are not torch's: one line, never a
    traceback (they were torch's RuntimeError) nor a refusal."""
    with zipfile.ZipFile(tmp_path / 'pickle_only.pth', 'w') as archive:
        archive.writestr('archive/data.pkl',
                         pickle.dumps({'state_dict': {}}, protocol=2))
    zipfile.ZipFile(tmp_path / 'empty_zip.pth', 'w').close()
    no_weights = torch_archive(
        good_checkpoint, tmp_path / 'no_weights.pth', lambda name, data: None
        if name == 'data/0' else data)
    short_weights = torch_archive(
        good_checkpoint, tmp_path / 'short_weights.pth',
        lambda name, data: data[:100] if name == 'data/0' else data)
    cases = {
        tmp_path / 'pickle_only.pth':
        'not a checkpoint: a zip archive without the layout',
        tmp_path / 'empty_zip.pth':
        'not a checkpoint: it begins with the bytes 504b0506',
        no_weights:
        'torch cannot read it (PytorchStreamReader failed locating',
        short_weights: 'torch cannot read it (record size',
    }
    for path, message in cases.items():
        with pytest.raises(UnreadableCheckpointError) as error:
            _load_checkpoint(str(path), map_location='cpu')
        assert str(error.value).startswith(f'{path}: {message}')
        assert '\n' not in str(error.value)


def test_the_legacy_format_loads_and_refuses(tmp_path):
    """torch's legacy format (a pickle, no CRCs): a good file loads, a
    hostile one is refused. (Its damage cannot be told from its bytes.)"""
    legacy = tmp_path / 'legacy.pth'
    torch.save(
        dict(state_dict={'w': torch.ones(64, 64)}, meta=dict(cfg='')),
        legacy,
        _use_new_zipfile_serialization=False)
    assert torch.equal(
        _load_checkpoint(str(legacy))['state_dict']['w'], torch.ones(64, 64))
    hostile = tmp_path / 'hostile.pth'
    torch.save(
        dict(state_dict={}, meta=RunsCode(tmp_path / 'pwned')),
        hostile,
        _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError, match='refused to load'):
        _load_checkpoint(str(hostile))
    assert not (tmp_path / 'pwned').exists()


def test_a_fifo_or_a_folder_is_not_a_file(tmp_path):
    """Named as the checkpoint, neither is opened: a FIFO with no writer
    would block the loader for ever."""
    os.mkfifo(tmp_path / 'fifo.pth')
    (tmp_path / 'folder.pth').mkdir()
    for path in (tmp_path / 'fifo.pth', tmp_path / 'folder.pth'):
        errors = []

        def load():
            try:
                _load_checkpoint(str(path))
            except UnreadableCheckpointError as error:
                errors.append(str(error))

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        loader.join(timeout=60)
        assert not loader.is_alive(), f'{path}: the loader hangs'
        assert errors == [
            f'{path}: not a file; expected a checkpoint '
            'written by mim train'
        ]


def test_the_loader_log_line_names_it(good_checkpoint):
    result = run_checked(
        '-c', 'import fashionai_patches\n'
        'from mmengine.runner.checkpoint import _load_checkpoint\n'
        f'_load_checkpoint({str(good_checkpoint)!r})')
    output = result.stdout + result.stderr
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
        (TOOLS / 'predict.py', csv, tmp_path / 'test', out / 'submission.csv',
         '--model', f'blouse={paths["truncated"]}'),
        ('predict', 'html'):
        (TOOLS / 'predict.py', csv, tmp_path / 'test', out / 'submission.csv',
         '--model', f'all={paths["html"]}'),
        ('infer', 'empty'):
        (TOOLS / 'infer.py', tmp_path / 'test', '--category', 'blouse',
         '--model', paths['empty'], '--out-dir', out / 'infer'),
        ('export_onnx', 'text'): (TOOLS / 'export_onnx.py', DEMO_CONFIG,
                                  paths['text'], out / 'model.onnx'),
        ('merge_checkpoints', 'corrupt'):
        (TOOLS / 'merge_checkpoints.py', good_checkpoint, paths['corrupt'],
         '-o', out / 'merged.pth'),
        ('predict', 'missing'):
        (TOOLS / 'predict.py', csv, tmp_path / 'test', out / 'submission.csv',
         '--model', f'all={paths["missing"]}'),
        ('detect', 'missing'): (TOOLS / 'detect.py', DETECTOR_CONFIG,
                                paths['missing'], csv, tmp_path / 'test',
                                out / 'det.json'),
    }
    for (tool, kind), args in runs.items():
        result = run_python(*args)
        line = one_error_line(result, alone=True)
        assert line.startswith(f'error: {paths[kind]}: {expected[kind]}'), (
            tool, kind, result.stderr)
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
    run_checked(TOOLS / 'constant_baseline.py', csv, csv, pred)
    args = {
        'evaluate': [csv, pred],
        'select_models': [csv, '--model', f'mean={pred}'],
    }[tool]
    process = subprocess.Popen(
        [sys.executable, str(TOOLS / f'{tool}.py')] + [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    process.stdout.close()  # as `head` does once it has its line
    stderr = process.stderr.read().decode()
    assert process.wait() == EXIT_PIPE_CLOSED, stderr
    assert stderr == ''
