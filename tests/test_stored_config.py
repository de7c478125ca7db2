"""A checkpoint's stored config is read as data: code in it never runs.

The attack: a checkpoint is plain data (it loads with
``torch.load(weights_only=True)``), but its ``meta['cfg']`` is Python text
that ``Config.fromstring`` would execute. Every test below puts a command
that creates a marker file into that text and checks the marker never
appears, through the tools as a user runs them.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint

from fashionai_dataset.apis import config_from_checkpoint
from fashionai_dataset.stored_config import (REFUSED_KEY, UnsafeConfigError,
                                             parse_stored_config)
from fixtures import (CONFIG_DIR, DEMO_CONFIG, REPO_ROOT, TOOLS, mim_test,
                      run_checked, run_python, write_split, write_test_list)


def payload(marker: Path) -> str:
    """A first config line that creates ``marker`` when executed."""
    return f"_x = __import__('os').system('touch {marker}')\n"


@pytest.fixture(scope='module')
def demo_dump() -> str:
    return Config.fromfile(str(DEMO_CONFIG)).pretty_text


def test_a_dump_reads_as_executing_it_would(demo_dump):
    text = demo_dump + '\n'.join([
        '', "odd_keys = {'0': dict(a=-1, b=+2.5), 3: None}",
        "joined = ('a' 'b', f'c', [True, False, -1e-05])"
    ])
    parsed = parse_stored_config(text, 'x.pth')
    assert parsed == Config.fromstring(text, file_format='.py').to_dict()
    assert parsed['joined'] == ('ab', 'c', [True, False, -1e-05])


@pytest.mark.parametrize(
    'line, construct',
    [
        ("x = __import__('os').system('ls')", r"a call of __import__\('os'\)"
         r'\.system\(\)'),
        ('x = open', 'the name open'),
        ('x = os.environ', r'an attribute \(os\.environ\)'),
        ('import os', 'an import'),
        ('x = lambda: 0', 'a lambda'),
        ('x = [i for i in range(3)]', 'a comprehension'),
        ("x = dict(a=1)['a']", r"a subscript \(dict\(a=1\)\['a'\]\)"),
        ("x = f'{1 + 1}'", 'an f-string with expressions'),
        ('x = 2 ** 1000', 'an operator'),
        ('x = dict(**{})', 'a dict\\(\\) call with positional arguments '
         'or an unpacking'),
        ('x = {**{}}', 'an unpacking'),
        ('x = {1, 2}', 'a set'),
        ('print(1)', r'a statement \(Expr\)'),
        ('x, y = 1, 2', 'a statement other than NAME = VALUE'),
        ("_base_ = ['other.py']", '_base_, which would read other files'),
        ("x = b'bytes'", 'a bytes constant'),
        # data that MMEngine's registry would still import and call
        ("x = dict(type='subprocess.Popen', args=['ls'])",
         r"type='subprocess.Popen', which a registry would import as code"),
        ("x = dict(type='antigravity')", "type='antigravity'"),
        ("x = {'type': 'mmdet.os.system'}", "type='mmdet.os.system'"),
        ("x = dict(_scope_='subprocess')", "the registry scope 'subprocess'"),
        ("filename = 'a'", "the name filename, which MMEngine's Config"),
        # registered models that run the config file they are given
        ("x = dict(_scope_='mmdet', type='KnowledgeDistillationSingleStage"
         "Detector', teacher_config='/tmp/t.py')",
         "the config file name '/tmp/t.py', which a model or metainfo"),
        ("x = dict(teacher_cfg='t.YAML ')", "the config file name 't.YAML '"),
        ("x = dict(teacher_config='t.json')", "teacher_config='t.json', a "
         'config file name'),
        ("x = dict(metainfo=dict(from_file='coco.json'))",
         "from_file='coco.json'"),
        ('x = {(1, [2]): 3}', 'a tuple holding a list used as a dict key'),
    ])
def test_anything_but_data_is_refused_with_its_line(line, construct):
    text = 'a = dict(type=1)\n' + line + '\n'
    with pytest.raises(UnsafeConfigError) as error:
        parse_stored_config(text, 'evil.pth')
    message = str(error.value)
    assert message.startswith('evil.pth: line 2 of its stored config holds ')
    assert re.search(construct, message), message
    assert message.endswith('pass a config file you trust (--config)')


def test_a_registry_type_of_an_openmmlab_scope_is_data():
    parsed = parse_stored_config(
        "backbone = dict(type='mmdet.CSPNeXt', _scope_='mmdet')\n"
        "default_scope = 'mmpose'\n", 'ok.pth')
    assert parsed['backbone']['type'] == 'mmdet.CSPNeXt'
    with pytest.raises(UnsafeConfigError, match="default_scope 'evil'"):
        parse_stored_config("default_scope = 'evil'", 'x.pth')
    with pytest.raises(UnsafeConfigError, match='nested too deeply'):
        parse_stored_config('x = ' + '-' * 3000 + '1', 'x.pth')


def test_an_encoded_value_cannot_hide_a_config_text(tmp_path, demo_dump):
    """The checkpoint's own plain encoding of a Counter could carry a
    config text past the check (it is a dict only once decoded)."""
    marker = tmp_path / 'pwned'
    tag = '__fashionai_plain__'
    evil = tmp_path / 'counter.pth'
    torch.save(
        dict(
            state_dict={},
            meta={
                tag: 'Counter',
                'items': [['cfg', payload(marker) + demo_dump], ['epoch', 0]]
            },
            message_hub=dict(runtime_info={
                tag: 'Counter',
                'items': [['cfg', payload(marker)]]
            })), evil)
    with pytest.raises(
            ValueError, match='corrupt: its data cannot be restored'):
        _load_checkpoint(str(evil), map_location='cpu')
    assert not marker.exists()


def test_imports_outside_the_project_and_openmmlab_are_refused():
    with pytest.raises(UnsafeConfigError, match="imports 'antigravity'"):
        parse_stored_config(
            "custom_imports = dict(imports=['fashionai_patches', "
            "'fashionai_dataset', 'antigravity'])", 'evil.pth')
    with pytest.raises(UnsafeConfigError, match='is not valid Python'):
        parse_stored_config('x = (', 'evil.pth')
    allowed = parse_stored_config(
        "custom_imports = dict(imports=['fashionai_patches', "
        "'fashionai_dataset', 'projects.densenet_backbone'], "
        "allow_failed_imports=False)", 'ok')
    assert allowed['custom_imports']['imports'][2] == \
        'projects.densenet_backbone'


def test_the_loader_drops_code_in_any_stored_config_text(tmp_path, demo_dump):
    """mmengine's inferencer reads message_hub's config text and --resume
    meta['config']: neither is left for them to run."""
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pth'
    torch.save(
        dict(
            state_dict={},
            meta=dict(cfg=demo_dump, config=payload(marker) + demo_dump),
            message_hub=dict(
                runtime_info=dict(cfg=payload(marker) + demo_dump))), evil)
    checkpoint = _load_checkpoint(str(evil), map_location='cpu')
    assert 'config' not in checkpoint['meta']
    assert 'cfg' not in checkpoint['message_hub']['runtime_info']
    assert checkpoint['meta']['cfg'] == demo_dump  # the honest one stays
    assert checkpoint['meta'][REFUSED_KEY].startswith('line 1 of its stored')
    with pytest.raises(UnsafeConfigError, match='line 1 of its stored'):
        config_from_checkpoint(str(evil))
    assert not marker.exists()
    # only the loader says a config was refused: a file can't claim it
    torch.save(
        dict(state_dict={}, meta=dict(cfg=demo_dump, **{REFUSED_KEY: 'x'})),
        evil)
    assert config_from_checkpoint(
        str(evil)).model.type == 'TopdownPoseEstimator'


def test_payload_checkpoint_through_the_cli_tools(tmp_path, demo_dump):
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pth'
    torch.save(
        dict(state_dict={}, meta=dict(cfg=payload(marker) + demo_dump)), evil)
    csv = write_split(tmp_path / 'test', ['blouse'], images_per_category=1)
    expected = (f'error: {evil}: line 1 of its stored config holds a call of '
                "__import__('os').system(), which only code produces")
    runs = {
        'predict':
        run_python(TOOLS / 'predict.py', csv, tmp_path / 'test',
                   tmp_path / 'out.csv', '--model', f'all={evil}'),
        'infer':
        run_python(TOOLS / 'infer.py', tmp_path / 'test', '--category',
                   'blouse', '--model', evil, '--out-dir', tmp_path / 'infer'),
        'measure_stage1_error':
        run_python(
            REPO_ROOT / 'projects' / 'cascade_refine' / 'tools' /
            'measure_stage1_error.py', evil),
    }
    for tool, result in runs.items():
        assert result.returncode == 1, (tool, result.stderr)
        assert result.stderr.splitlines() == [
            expected + "; a checkpoint's config is read as data and never "
            'run; to use this checkpoint, pass a config file you trust '
            '(--config)'
        ], (tool, result.stderr)
    assert not (tmp_path / 'out.csv').exists()
    assert not (tmp_path / 'infer').exists()
    # merging keeps the weights and metainfo, never the stored config
    run_checked(TOOLS / 'merge_checkpoints.py', evil, evil, '-o',
                tmp_path / 'merged.pth')
    merged = torch.load(tmp_path / 'merged.pth', weights_only=True)
    assert 'cfg' not in merged['meta'] and REFUSED_KEY not in merged['meta']
    assert not marker.exists()


@pytest.mark.slow
def test_a_trained_checkpoint_with_a_payload(trained_elsewhere, tmp_path):
    """The demo attack on a real checkpoint: refused without a config,
    usable with the config the user trusts, and never run."""
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.pth'
    checkpoint = torch.load(trained_elsewhere.checkpoint, weights_only=True)
    # both copies the runner writes (MMPose's inferencer reads the second)
    runtime_info = checkpoint['message_hub']['runtime_info']
    for holder in (checkpoint['meta'], runtime_info):
        holder['cfg'] = payload(marker) + holder['cfg']
    torch.save(checkpoint, evil)
    val_root = trained_elsewhere.data / 'val'
    val_csv = write_test_list(trained_elsewhere.val_csv,
                              tmp_path / 'blouse.csv', 'blouse')
    refused = run_python(TOOLS / 'predict.py', val_csv, val_root,
                         tmp_path / 'refused.csv', '--model', f'blouse={evil}')
    assert refused.returncode == 1 and 'line 1 of its stored config' in \
        refused.stderr, refused.stderr
    assert not (tmp_path / 'refused.csv').exists()
    config = trained_elsewhere.config
    run_checked(TOOLS / 'predict.py', val_csv, val_root,
                tmp_path / 'trusted.csv', '--model', f'blouse={evil}',
                '--config', f'blouse={config}')
    assert (tmp_path / 'trusted.csv').exists()
    run_checked(TOOLS / 'export_onnx.py', config, evil,
                tmp_path / 'model.onnx')
    # the runner loads the weights, warns and never runs the text
    output = mim_test(config.name, evil, cwd=trained_elsewhere.folder)
    assert "stored config was dropped unread: line 1" in output
    # MMPose's inferencer without a config: none is left for it to run
    from mmpose.apis.inferencers import Pose2DInferencer
    with pytest.raises(ValueError, match='Cannot find the config'):
        Pose2DInferencer(model=None, weights=str(evil), device='cpu')
    assert not marker.exists()


def test_a_type_must_be_a_registered_name():
    """Checked without importing: the module ``this`` prints the Zen of
    Python when imported, so a fresh interpreter shows whether it was."""
    names = ['mmdet.this', 'mmpose.this', 'this', 'mmdet.json', 'mmengine.os']
    code = (
        'import sys, fashionai_patches\n'
        'from fashionai_dataset.stored_config import parse_stored_config\n'
        f'for name in {names!r}:\n'
        '    try:\n'
        '        parse_stored_config(f"x = dict(type={name!r})", "e.pth")\n'
        '    except ValueError as error:\n'
        '        print(error)\n'
        'print("this" in sys.modules)\n')
    result = subprocess.run([sys.executable, '-W', 'ignore', '-c', code],
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-len(names) - 1:] == [
        f"e.pth: line 1 of its stored config holds type={name!r}, "
        'which a registry would import as code (a type is a name '
        "registered in the config's scopes, or SCOPE.Name with an "
        "OpenMMLab scope); a checkpoint's config is read as data and never "
        'run; to use this checkpoint, pass a config file you trust '
        '(--config)' for name in names
    ] + ['False'], result.stdout
    assert 'Zen of Python' not in result.stdout


def test_registered_names_of_every_scope_are_data():
    parsed = parse_stored_config(
        "default_scope = 'mmpose'\n"
        "model = dict(type='TopdownPoseEstimator', backbone=dict("
        "_scope_='mmdet', type='CSPNeXt'), head=dict(type='mmdet.CSPNeXt'))\n"
        "dataset = dict(type='FashionAIDataset')\n"
        "test_cfg = dict(nms=dict(type='nms', iou_threshold=0.6))\n"
        "optim_wrapper = dict(optimizer=dict(type='AdamW'))\n", 'ok.pth')
    assert parsed['model']['backbone']['type'] == 'CSPNeXt'
    with pytest.raises(UnsafeConfigError, match="type='mmdet.CSPNext'"):
        parse_stored_config("x = dict(type='mmdet.CSPNext')", 'typo.pth')


def test_a_foreign_metainfo_file_is_never_read(tmp_path):
    """A stored config naming a metainfo file elsewhere (another file of
    the project's name) loads naming this checkout's file instead, so that
    MMPose's inferencer reads the project's metainfo, never the other."""
    foreign = tmp_path / 'x' / '_base_' / 'datasets' / 'fashionai_blouse.yaml'
    foreign.parent.mkdir(parents=True)
    foreign.write_text('dataset_info: {dataset_name: foreign}\n')
    text = ("train_dataloader = dict(dataset=dict(type='FashionAIDataset', "
            f"category='blouse', metainfo=dict(from_file={str(foreign)!r})))"
            "\n")
    path = tmp_path / 'foreign.pth'
    torch.save(
        dict(state_dict={'w': torch.ones(1)}, meta=dict(cfg=text)), path)
    loaded = _load_checkpoint(str(path))['meta']['cfg']
    trusted = CONFIG_DIR / '_base_/datasets'
    assert str(foreign) not in loaded
    assert repr(str(trusted / 'fashionai_blouse.yaml')) in loaded
    from mmpose.apis.inference import dataset_meta_from_config
    meta = dataset_meta_from_config(Config.fromstring(loaded, '.py'))
    assert meta['dataset_name'] == 'fashionai_blouse'
