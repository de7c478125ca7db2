"""What a config file says is what runs, on any machine.

Every shipped config is read by a fresh process (``Config.fromfile``) on
this machine, and again in a process where torch reports a bf16-capable GPU
and the machine 64 cores: the two must hold the same values (the same
``to_dict()``, so the same dump, which MMEngine's ``pretty_text`` formats
from it), so nothing in a config depends on the machine that parses it.
The top-level pipelines must also be the ones the dataloaders run, so a
reader of a dump sees what trains. And each dump, stored in a
checkpoint as the runner stores it, reads back as data (never run) into the
same config, so honest checkpoints keep working with the safe reader.
"""
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from fashionai_dataset.apis import config_from_checkpoint
from conftest import built_once
from fixtures import CONFIG_DIR, REPO_ROOT

CONFIGS = sorted(
    list((CONFIG_DIR).glob('*.py')) +
    list((REPO_ROOT / 'projects').glob('*/configs/*.py')))
BASES = sorted(
    list((CONFIG_DIR / '_base_').glob('*.py')) +
    list((REPO_ROOT / 'projects').glob('*/configs/_base_/*.py')))


def canonical(value) -> str:
    """A config's values as text that compares equal exactly when the
    dicts do (keys sorted: a dump read back may list them in another
    order). The dump processes run its source: they import nothing of the
    tests."""
    if isinstance(value, dict):
        return '{' + ', '.join(f'{key!r}: {canonical(value[key])}'
                               for key in sorted(value, key=repr)) + '}'
    if isinstance(value, (list, tuple)):
        items = ', '.join(canonical(item) for item in value)
        return f'[{items}]' if isinstance(value, list) else f'({items},)'
    return repr(value)


DUMP = inspect.getsource(canonical) + '''
import json, os, sys
if sys.argv[1] == 'gpu':
    import torch
    torch.cuda.is_available = lambda: True
    torch.cuda.device_count = lambda: 8
    torch.cuda.is_bf16_supported = lambda *args, **kwargs: True
    os.cpu_count = lambda: 64
from mmengine.config import Config
configs = {path: Config.fromfile(path) for path in sys.argv[2:]}
print(json.dumps({
    path: [canonical(cfg.to_dict()),
           cfg.pretty_text if sys.argv[1] == 'cpu' else None]
    for path, cfg in configs.items()}))
'''


def dump_all() -> tuple:
    """Each config's dump by path, ``[canonical(its dict), its text]``,
    without a GPU, and with one (the text ``None``): the text (formatted
    by yapf, a core-minute for all) from two processes side by side, each
    formatting half, as the other workers wait for it."""
    paths = [str(p) for p in CONFIGS + BASES]
    half = len(paths) // 2
    processes = [
        subprocess.Popen(
            [sys.executable, '-c', DUMP, machine] + part,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT)
        for machine, part in (('cpu', paths[:half]), ('cpu', paths[half:]),
                              ('gpu', paths))
    ]
    dumps = []
    for process in processes:
        stdout, stderr = process.communicate()
        assert process.returncode == 0, stderr[-3000:]
        dumps.append(json.loads(stdout))
    return dict(dumps[0], **dumps[1]), dumps[2]


def _write_dumps(folder: Path) -> None:
    (folder / 'dumps.json').write_text(json.dumps(dump_all()))


@pytest.fixture(scope='session')
def dumps(tmp_path_factory) -> tuple:
    """Every config's dump without and with a GPU, by path; made once per
    run (a core-minute), whichever worker asks first."""
    folder = built_once(tmp_path_factory, 'config_dumps', _write_dumps)
    return tuple(json.loads((folder / 'dumps.json').read_text()))


def test_every_config_dumps_the_same_with_and_without_a_gpu(dumps):
    assert len(CONFIGS) >= 70 and len(BASES) >= 10
    without_gpu, with_gpu = dumps
    differing = [
        path for path in without_gpu
        if without_gpu[path][0] != with_gpu[path][0]
    ]
    assert not differing, f'these configs depend on the machine: {differing}'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_top_level_pipelines_are_the_ones_that_run(path):
    cfg = Config.fromfile(str(path))
    train_dataset = cfg.train_dataloader.dataset
    if train_dataset.type == 'PseudoLabelConcatDataset':  # *_pseudo configs
        assert train_dataset.pseudo_labelled.pipeline == cfg.train_pipeline
        train_dataset = train_dataset.labelled
    assert train_dataset.pipeline == cfg.train_pipeline
    if 'test_pipeline' in cfg:  # the cascade's: stage 2 crops the original
        assert cfg.val_dataloader.dataset.pipeline == cfg.test_pipeline
        assert cfg.test_dataloader.dataset.pipeline == cfg.test_pipeline
        return
    assert cfg.val_dataloader.dataset.pipeline == cfg.val_pipeline
    if cfg.model.type == 'FashionAITTAModel':  # the *_tta configs
        assert cfg.test_dataloader.dataset.pipeline == cfg.tta_pipeline
    else:
        assert cfg.test_dataloader.dataset.pipeline == cfg.val_pipeline
    # the test-time views warp as the validation pipeline does
    (affine, ) = [s for s in cfg.val_pipeline if s.type == 'TopdownAffine']
    (views, ) = [s for s in cfg.tta_pipeline if s.type == 'TestTimeAug']
    assert views.transforms[1] == [affine]


def test_every_dump_reads_back_from_a_checkpoint_as_the_same_config(
        dumps, tmp_path):
    without_gpu, _ = dumps
    assert len(without_gpu) == len(CONFIGS + BASES)
    changed = []
    for path, (values, text) in without_gpu.items():
        checkpoint = tmp_path / 'ckpt.pth'
        torch.save(dict(state_dict={}, meta=dict(cfg=text)), checkpoint)
        # values: the file's Config.fromfile(path).to_dict(), from the dump
        if canonical(config_from_checkpoint(
                str(checkpoint)).to_dict()) != values:
            changed.append(path)
    assert not changed, f'these configs read back changed: {changed}'
