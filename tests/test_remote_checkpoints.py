"""A checkpoint given by URL or model-zoo name loads through the same
weights-only loader as a local file.

Files are served by an HTTP server on 127.0.0.1 that each test module
starts and stops; torch's hub cache (where MMEngine and this project
download to) is a temporary folder (``XDG_CACHE_HOME``), so no test reads or
writes the user's cache or reaches the internet.
"""
import functools
import hashlib
import http.server
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint
from mmpose.models import build_pose_estimator
from test_checkpoint_errors import torch_archive
from test_checkpoint_safety import RunsCode
from test_deploy import make_checkpoint

from fashionai_dataset import weights_only
from fashionai_dataset.weights_only import (UnreadableCheckpointError,
                                            UnsafeCheckpointError)
from fixtures import (DEMO_CONFIG, DETECTOR_CONFIG, TOOLS, mim_test,
                      one_error_line, run_checked, run_python,
                      write_answered_test_split, write_split)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    """``(folder, base URL)``: files put in the folder are served there."""
    folder = tmp_path_factory.mktemp('served')
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0),
        functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f'http://127.0.0.1:{server.server_port}'
    server.shutdown()
    server.server_close()


@pytest.fixture
def hub_cache(tmp_path, monkeypatch) -> Path:
    """torch's hub cache of this test (in-process and for the tools it
    runs): ``XDG_CACHE_HOME/torch/hub/checkpoints``."""
    monkeypatch.delenv('TORCH_HOME', raising=False)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    return tmp_path / 'cache' / 'torch' / 'hub' / 'checkpoints'


def serve_payload(served, name: str, marker: Path) -> str:
    folder, base = served
    torch.save(dict(state_dict={}, meta=RunsCode(marker)), folder / name)
    return f'{base}/{name}'


def with_hash_prefix(path: Path) -> Path:
    """``path`` renamed ``STEM-SHA256PREFIX.pth``, as torchvision and
    OpenMMLab name their published checkpoints."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return path.rename(path.with_name(f'{path.stem}-{digest[:8]}.pth'))


def test_a_payload_by_url_is_refused_by_every_tool(tmp_path, served,
                                                   hub_cache):
    marker = tmp_path / 'pwned'
    url = serve_payload(served, 'evil.pth', marker)
    good = make_checkpoint(DEMO_CONFIG, tmp_path / 'good.pth')
    csv = write_split(tmp_path / 'test', ['blouse'], images_per_category=1)
    out = tmp_path / 'out'
    runs = {
        'predict': (TOOLS / 'predict.py', csv, tmp_path / 'test',
                    out / 'submission.csv', '--model', f'blouse={url}'),
        'infer': (TOOLS / 'infer.py', tmp_path / 'test', '--category',
                  'blouse', '--model', url, '--out-dir', out / 'infer'),
        'pseudo_label': (TOOLS / 'pseudo_label.py', csv, tmp_path / 'test',
                         out / 'pseudo.csv', '--model', f'all={url}'),
        'export_onnx':
        (TOOLS / 'export_onnx.py', DEMO_CONFIG, url, out / 'model.onnx'),
        'merge_checkpoints':
        (TOOLS / 'merge_checkpoints.py', good, url, '-o', out / 'merged.pth'),
        'detect': (TOOLS / 'detect.py', DETECTOR_CONFIG, url, csv,
                   tmp_path / 'test', out / 'det.json'),
    }
    for tool, args in runs.items():
        line = one_error_line(run_python(*args))
        assert line.startswith(
            f'error: {url} (saved as {hub_cache / "evil.pth"}): refused to '
            'load: the checkpoint holds Python objects that could run code '
            'when unpickled (posix.system)'), (tool, line)
    assert not marker.exists() and not out.exists()


@pytest.mark.slow
def test_mim_test_refuses_a_payload_by_url(trained_elsewhere, tmp_path, served,
                                           hub_cache):
    marker = tmp_path / 'pwned'
    url = serve_payload(served, 'evil_for_mim.pth', marker)
    with pytest.raises(AssertionError, match='refused to load') as error:
        mim_test(
            trained_elsewhere.config.name, url, cwd=trained_elsewhere.folder)
    assert f'error: {url} (saved as' in str(error.value)
    assert not marker.exists()


def test_an_honest_checkpoint_by_url_predicts(tmp_path, served, hub_cache):
    folder, base = served
    make_checkpoint(DEMO_CONFIG, folder / 'demo.pth')
    root = write_answered_test_split(tmp_path / 'test', ['blouse'], 2)
    submission = tmp_path / 'submission.csv'
    run_checked(TOOLS / 'predict.py', root / 'test.csv', root, submission,
                '--model', f'all={base}/demo.pth', '--device', 'cpu')
    assert len(submission.read_text().splitlines()) == 3
    # downloaded once into torch's cache, under the URL's file name
    assert (hub_cache / 'demo.pth').read_bytes() == (folder /
                                                     'demo.pth').read_bytes()


def published_checkpoint(state_dict: dict, path: Path) -> Path:
    """A checkpoint shaped like the published OpenMMLab ones: its ``meta``
    holds numpy arrays and scalars (MMPose's dataset metainfo, a seed) and
    its ``message_hub`` MMEngine ``HistoryBuffer`` objects, as
    ``torch.save`` pickles them without this project's encoding."""
    torch.save(
        dict(
            state_dict=state_dict,
            meta=dict(
                seed=np.int64(21),
                mmpose_version='1.0.0',
                dataset_meta=dict(
                    dataset_name='coco',
                    sigmas=np.array([0.026, 0.025], dtype=np.float32),
                    keypoint_colors=np.array([[51, 153, 255]]),
                    flip_indices=[1, 0])),
            message_hub=dict(
                log_scalars=dict(
                    loss=HistoryBuffer(np.array([0.5]), np.array([1]))))),
        path)
    return path


def test_an_init_cfg_url_brings_its_weights(tmp_path, served, hub_cache):
    """A shipped config's ``init_cfg=dict(type='Pretrained',
    checkpoint=URL)``, served here: the weights arrive in the model, what
    is not plain data in the file's metadata is left out and logged."""
    folder, base = served
    cfg = Config.fromfile(str(DEMO_CONFIG))
    init_default_scope('mmpose')
    backbone = build_pose_estimator(cfg.model).backbone.state_dict()
    pretrained = {
        key: torch.full_like(value, 0.5)
        for key, value in backbone.items() if value.is_floating_point()
    }
    name = with_hash_prefix(
        published_checkpoint(pretrained, folder / 'hrnet_w16.pth')).name
    cfg.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=f'{base}/{name}')
    model = build_pose_estimator(cfg.model)
    model.init_weights()
    weight = model.backbone.conv1.weight
    assert torch.equal(weight, torch.full_like(weight, 0.5))
    assert (hub_cache / name).is_file()
    # the same bytes under another hash prefix: the download is refused
    (folder / 'hrnet_w16-00000000.pth').write_bytes(
        (folder / name).read_bytes())
    with pytest.raises(
            UnreadableCheckpointError,
            match='cannot download: invalid hash value'):
        _load_checkpoint(f'{base}/hrnet_w16-00000000.pth')
    assert not (hub_cache / 'hrnet_w16-00000000.pth').exists()


def test_published_metadata_is_left_out_and_logged(tmp_path):
    path = published_checkpoint({'w': torch.ones(2)}, tmp_path / 'pub.pth')
    result = run_checked(
        '-c', 'import fashionai_patches\n'
        'from mmengine.runner.checkpoint import _load_checkpoint\n'
        f'c = _load_checkpoint({str(path)!r})\n'
        'print(sorted(c), c["meta"], c["message_hub"], c["state_dict"])')
    assert ("['message_hub', 'meta', 'state_dict'] {'mmpose_version': "
            "'1.0.0', 'dataset_meta': {'dataset_name': 'coco', "
            "'flip_indices': [1, 0]}} {'log_scalars': {}} "
            "{'w': tensor([1., 1.])}") in result.stdout
    assert (f'{path}: left out what its data holds that is not plain data '
            '(builtins.getattr, '
            'mmengine.logging.history_buffer.HistoryBuffer, '
            'numpy.core.multiarray._reconstruct, '
            'numpy.core.multiarray.scalar, numpy.dtype, numpy.ndarray); '
            'the weights are loaded') in result.stdout


def test_model_zoo_names_load_from_the_hub_cache(hub_cache):
    """``torchvision://`` and ``mmcls://`` (the configs' ResNet and VGG
    starts) are looked up in MMEngine's lists and read from torch's cache,
    where MMEngine would have downloaded them, through the same loader."""
    hub_cache.mkdir(parents=True)
    resnet = hub_cache / 'resnet50-0676ba61.pth'
    torch.save({'conv1.weight': torch.ones(1)}, resnet)
    assert torch.equal(
        _load_checkpoint('torchvision://resnet50')['conv1.weight'],
        torch.ones(1))
    vgg = hub_cache / 'vgg16_bn_batch256_imagenet_20210208-7e55cd29.pth'
    torch.save(
        dict(state_dict={'backbone.features.0.weight': torch.ones(1)}), vgg)
    assert list(_load_checkpoint('mmcls://vgg16_bn')['state_dict']) == [
        'features.0.weight'
    ]
    torch.save(dict(meta=RunsCode(hub_cache / 'pwned')), resnet)
    with pytest.raises(UnsafeCheckpointError, match='refused to load'):
        _load_checkpoint('torchvision://resnet50')
    assert not (hub_cache / 'pwned').exists()


@pytest.mark.parametrize('name, message', [
    ('s3://bucket/x.pth', 'checkpoints cannot be read from s3:// here'),
    ('open-mmlab:s3://bucket/x.pth',
     'checkpoints cannot be read from s3:// here'),
    ('pavi://model', 'checkpoints cannot be read from pavi:// here'),
    ('ftp://host/x.pth', 'checkpoints cannot be read from ftp:// here'),
    ('mmcls://foo', "unknown model name 'foo'"),
    ('torchvision://nothing', "unknown model name 'nothing'"),
    ('http://127.0.0.1:9/x.pth', 'cannot download: ')
])
def test_other_schemes_get_one_line(name, message, tmp_path):
    result = run_python(TOOLS / 'merge_checkpoints.py', name, name, '-o',
                        tmp_path / 'merged.pth')
    assert one_error_line(result).startswith(f'error: {name}: {message}')


def hand_pickled(path: Path, opcodes: bytes) -> Path:
    """A checkpoint whose ``meta['d']`` is what the pickle ``opcodes``
    build: data Python's pickler cannot write (too deep, holding itself,
    a call torch allows with arguments it cannot take), so the file is a
    real ``torch.save`` archive with that value's bytes put in by hand."""
    torch.save(dict(meta=dict(d='PLACEHOLDER')), path.with_suffix('.tmp'))
    placeholder = b'X\x0b\x00\x00\x00PLACEHOLDER'

    def put_in(name: str, data: bytes) -> bytes:
        if name == 'data.pkl':
            assert placeholder in data
            data = data.replace(placeholder, opcodes)
        return data

    return torch_archive(path.with_suffix('.tmp'), path, put_in)


def test_deep_or_self_referring_metadata_is_one_corrupt_line(tmp_path):
    # EMPTY_LIST 100,000 times, then APPEND each into the one below
    path = hand_pickled(tmp_path / 'deep.pth', b']' * 100_000 + b'a' * 99_999)
    good = make_checkpoint(DEMO_CONFIG, tmp_path / 'good.pth')
    csv = write_split(tmp_path / 'test', ['blouse'], images_per_category=1)
    for args in ((TOOLS / 'predict.py', csv, tmp_path / 'test',
                  tmp_path / 'p.csv', '--model', f'all={path}'),
                 (TOOLS / 'merge_checkpoints.py', good, path, '-o',
                  tmp_path / 'merged.pth')):
        assert one_error_line(run_python(*args)) == (
            f'error: {path}: corrupt: its data cannot be restored '
            '(ValueError: data nested more than 100 levels deep or '
            'referring to itself)')
    # a list that holds itself (pickle's memo makes it) reads the same:
    # EMPTY_LIST, memo it as 9999, fetch it, APPEND it to itself
    memo = struct.pack('<I', 9999)
    hand_pickled(tmp_path / 'loop.pth', b']r' + memo + b'j' + memo + b'a')
    with pytest.raises(
            UnreadableCheckpointError,
            match='nested more than 100 levels deep or referring'):
        _load_checkpoint(str(tmp_path / 'loop.pth'))


def test_a_refused_download_is_not_kept(tmp_path, served, hub_cache):
    """A payload (or a cut-short file) downloaded now and refused is
    deleted: once the server has the right file, the next run gets it."""
    folder, base = served
    url = serve_payload(served, 'replaced.pth', tmp_path / 'pwned')
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(url)
    assert not (hub_cache / 'replaced.pth').exists()
    torch.save({'state_dict': {'w': torch.ones(1)}}, folder / 'replaced.pth')
    assert torch.equal(_load_checkpoint(url)['state_dict']['w'], torch.ones(1))


def test_a_silent_server_ends_the_download(hub_cache, monkeypatch):
    listener = socket.create_server(('127.0.0.1', 0))
    monkeypatch.setattr(weights_only, 'DOWNLOAD_TIMEOUT', 1)
    url = f'http://127.0.0.1:{listener.getsockname()[1]}/silent.pth'
    try:  # it accepts the connection and never answers
        with pytest.raises(
                UnreadableCheckpointError, match='cannot download: timed out'):
            _load_checkpoint(url)
    finally:
        listener.close()
    assert not hub_cache.exists() or not list(hub_cache.iterdir())


def test_allowed_functions_called_wrongly_are_corrupt(tmp_path):
    """``OrderedDict(1)``: a function torch allows, with arguments it cannot
    take, is damage (one line), not a traceback."""
    hand_pickled(tmp_path / 'odd.pth',
                 b'ccollections\nOrderedDict\nK\x01\x85R')
    with pytest.raises(
            UnreadableCheckpointError, match='odd.pth: torch cannot read it'):
        _load_checkpoint(str(tmp_path / 'odd.pth'))
