"""Checkpoints that load with torch's ``weights_only=True``: all of it here
(what and why: docs/training.md, "Checkpoints cannot run code").

:func:`encode` rewrites an mmengine 0.10.7 checkpoint's numpy arrays (dataset
metainfo) and ``HistoryBuffer`` objects (the message hub's logged scalars) as
tagged plain values before saving; :func:`decode` restores them after
loading. The loaders, one per scheme (:mod:`fashionai_patches` registers
them with mmengine), ask torch for ``weights_only=True`` explicitly and turn
its refusal into an error that names the file and says why.
"""
import http.client
import logging
import os
import os.path as osp
import pickle
import socket
import struct
import zipfile
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner.checkpoint import (_get_mmengine_home, _load_checkpoint,
                                        _process_mmcls_checkpoint,
                                        get_deprecated_model_names,
                                        get_external_models, get_mmcls_models,
                                        get_torchvision_models)

from .stored_config import REFUSED_KEY, drop_unsafe_configs

TAG = '__fashionai_plain__'


def encode(value: Any) -> Any:
    """Return ``value`` with numpy and HistoryBuffer made plain.

    Tensors, strings, numbers and None are kept; dicts, lists and tuples are
    rebuilt with encoded items (an ``OrderedDict`` stays one).
    """
    if isinstance(value, np.ndarray):
        return {
            TAG: 'ndarray',
            'dtype': value.dtype.str,
            'shape': list(value.shape),
            'data': value.ravel().tolist()
        }
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, HistoryBuffer):
        log_history, count_history = value.data
        return {
            TAG: 'HistoryBuffer',
            'log_history': encode(log_history),
            'count_history': encode(count_history),
            'max_length': value.max_length
        }
    if isinstance(value, dict):  # a Counter too: torch's loader allows it
        return type(value)({k: encode(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return type(value)(encode(v) for v in value)
    return value


#: dtype kinds an encoded array may have: bool, integers, floats, complex.
_ARRAY_KINDS = 'biufc'


def _scalar_key(key: Any) -> bool:
    """Whether ``key`` is a plain value a decoded mapping may be keyed by."""
    if isinstance(key, tuple):
        return all(_scalar_key(k) for k in key)
    return isinstance(key, (str, int, float, bool, type(None)))


#: Deepest nesting a checkpoint's data may have (mmengine's is under ten
#: levels); deeper data, or data that refers to itself, is a damaged or
#: hostile file.
MAX_DEPTH = 100
#: Most dicts, lists and values a checkpoint's data may hold, tensors
#: counted as one each (a trained HRNet-W48's: about 3,000).
MAX_ITEMS = 1_000_000


class NotPlainData:
    """What an object of a published checkpoint's metadata that is not plain
    data (numpy arrays and scalars, old MMCV and MMEngine objects) becomes
    while unpickling: never built as what it stands for, and left out by
    :func:`decode`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass


def decode(value: Any) -> Any:
    """Invert :func:`encode`, checking what each tagged value holds.

    The result holds no tagged value, so decoding it again changes nothing.
    A :class:`NotPlainData` is left out: a dict loses its key, a list or
    tuple holds None in its place.

    Raises:
        ValueError: A tagged value that :func:`encode` cannot have written
            (another kind, a dtype that is not a number, a Counter item
            that is not ``[key, number]``, ...), data nested deeper than
            :data:`MAX_DEPTH` (or referring to itself), or more than
            :data:`MAX_ITEMS` values.
    """
    return _decode(value, 0, [MAX_ITEMS])


def _decode(value: Any, depth: int, budget: list) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f'more than {MAX_ITEMS:,} values')
    if depth > MAX_DEPTH:
        raise ValueError(f'data nested more than {MAX_DEPTH} levels deep '
                         'or referring to itself')
    if isinstance(value, NotPlainData):
        return None
    if isinstance(value, dict):
        kind = value.get(TAG)
        if kind is not None:
            return _decode_tagged(kind, value)
        decoded = type(value)()
        for key, item in value.items():
            if not isinstance(item, NotPlainData):
                decoded[key] = _decode(item, depth + 1, budget)
        return decoded
    if isinstance(value, (list, tuple)):
        return type(value)(_decode(v, depth + 1, budget) for v in value)
    return value


def _decode_tagged(kind: Any, value: dict) -> Any:
    if kind == 'ndarray':
        dtype = np.dtype(value['dtype'])
        shape = value['shape']
        if dtype.kind not in _ARRAY_KINDS or not isinstance(
                value['data'], list) or not isinstance(shape, list):
            raise ValueError(f'an encoded array of dtype {dtype} or with '
                             'data and shape that are not lists')
        return np.array(value['data'], dtype=dtype).reshape(shape)
    if kind == 'HistoryBuffer':
        if not isinstance(value['max_length'], int):
            raise ValueError('a HistoryBuffer whose max_length is not an int')
        return HistoryBuffer(
            decode(value['log_history']), decode(value['count_history']),
            value['max_length'])
    if kind == 'Counter':
        counter = Counter()
        for item in value['items']:
            if not (isinstance(item, list) and len(item) == 2 and _scalar_key(
                    item[0]) and isinstance(item[1], (int, float))):
                raise ValueError('a Counter item that is not [key, number]')
            counter[item[0]] = item[1]
        return counter
    raise ValueError(f'an encoded value of unknown kind {kind!r}')


class CheckpointError(ValueError):
    """A local checkpoint that cannot be used; the message is one line
    naming the file, what is wrong and what to do."""


class MissingCheckpointError(CheckpointError, FileNotFoundError):
    """No file at the checkpoint's path."""


class UnreadableCheckpointError(CheckpointError):
    """An empty, truncated or corrupt file, or one that is no checkpoint."""


class UnsafeCheckpointError(CheckpointError):
    """A checkpoint holds objects that torch's safe loader refuses."""


def _unsafe(name: str, reason: str) -> UnsafeCheckpointError:
    """The refusal of a checkpoint whose pickle names ``reason``'s
    objects (kept as the error's ``reason``)."""
    error = UnsafeCheckpointError(
        f'{name}: refused to load: the checkpoint holds Python objects that '
        f'could run code when unpickled ({reason}). Checkpoints written by '
        'this project\'s training load safely; if you trust this file, '
        'convert it once with torch.load(weights_only=False) and save only '
        'its state_dict.')
    error.reason = reason
    return error


#: How the files ``torch.save`` writes begin: a zip archive (torch >= 1.6)
#: or, in the legacy format, a pickle (protocol 2 or higher).
ZIP_MAGIC = b'PK\x03\x04'
PICKLE_MAGIC = b'\x80'
#: A zip archive ends with this record (within its last 64 KiB + 22 bytes).
ZIP_END_MAGIC = b'PK\x05\x06'
_COPY_AGAIN = 'copy it again'
#: How a checkpoint in torch's legacy format (torch < 1.6) begins: its
#: magic number, pickled.
LEGACY_MAGIC = pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)


def _describe_start(head: bytes) -> str:
    """What a file that is no checkpoint looks like, from its first bytes."""
    if head.startswith(b'\x1f\x8b'):
        return 'it is gzip-compressed (decompress it first)'
    try:
        text = head.decode('utf-8')
    except UnicodeDecodeError:
        return f'it begins with the bytes {head[:8].hex()}'
    if text.lstrip().lower().startswith(('<!doctype html', '<html')):
        return 'it is an HTML page (a download that saved an error page?)'
    if text.isprintable() or all(c.isprintable() or c.isspace() for c in text):
        first = ' '.join(text.split())[:40]
        return f'it is text beginning {first!r}'
    return f'it begins with the bytes {head[:8].hex()}'


def _zip_is_complete(filename: str, size: int) -> bool:
    """Whether the file ends with a zip archive's end record."""
    with open(filename, 'rb') as file:
        file.seek(max(0, size - (65536 + 22)))
        return ZIP_END_MAGIC in file.read()


def _check_readable(filename: str, name: str) -> None:
    """Raise for a missing, empty, truncated or non-checkpoint file."""
    if not osp.exists(filename):
        raise MissingCheckpointError(
            f'{name}: no such file; expected a checkpoint written by '
            'mim train')
    if not osp.isfile(filename):
        raise UnreadableCheckpointError(
            f'{name}: not a file; expected a checkpoint written by '
            'mim train')
    size = osp.getsize(filename)
    if size == 0:
        raise UnreadableCheckpointError(
            f'{name}: empty (0 bytes); expected a checkpoint written by '
            f'mim train; {_COPY_AGAIN}')
    with open(filename, 'rb') as file:
        head = file.read(64)
    if head.startswith(ZIP_MAGIC):
        if not _zip_is_complete(filename, size):
            raise UnreadableCheckpointError(
                f'{name}: truncated: the file ends ({size} bytes) before '
                f'its archive does; {_COPY_AGAIN}')
    elif not head.startswith(PICKLE_MAGIC):
        raise UnreadableCheckpointError(
            f'{name}: not a checkpoint: {_describe_start(head)}; '
            'expected a file written by torch.save (a zip archive)')


def _not_torch_file(filename: str) -> Optional[str]:
    """Why a file whose bytes are whole (:func:`_zip_damage`) is no
    checkpoint: a zip archive without torch's layout, a pickle without
    torch's magic number; None for torch's layouts (a legacy-format file
    has no CRCs to tell damage by)."""
    with open(filename, 'rb') as file:
        head = file.read(len(LEGACY_MAGIC))
    if not head.startswith(ZIP_MAGIC):  # a pickle (_check_readable)
        return None if head == LEGACY_MAGIC else (
            'not a checkpoint: a pickle, but not one torch.save wrote')
    with zipfile.ZipFile(filename) as archive:
        names = archive.namelist()
    if not all(
            any(name.endswith(f'/{record}') for name in names)
            for record in ('data.pkl', 'version')):
        return ('not a checkpoint: a zip archive without the layout '
                'torch.save writes')
    return None


#: A zip member's attribute bit that marks an MS-DOS folder (torch writes
#: none; its reader then takes the member for absent).
DOS_FOLDER = 0x10


def _zip_damage(filename: str) -> Optional[str]:
    """Where a zip archive's bytes are not what its writer wrote: the first
    member whose CRC or header fails, a member marked a folder, or
    zipfile's error for its directory; None for a whole archive or a file
    that is no zip archive (about 20 ms per 100 MB)."""
    with open(filename, 'rb') as file:
        if file.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
            return None
    try:
        with zipfile.ZipFile(filename) as archive:
            for member in archive.infolist():
                if member.external_attr & DOS_FOLDER:
                    return f'{member.filename} is marked as a folder'
            member = archive.testzip()
    except Exception as error:  # noqa: BLE001  (BadZipFile; and for flags
        # no writer set, NotImplementedError, RuntimeError ('encrypted'))
        return f'its directory: {type(error).__name__}: {error}'[:120]
    return member and f'{member} fails its CRC check'


#: What ``torch.load`` (and the look at the pickle before it) raises for a
#: file it cannot load.
LOAD_ERRORS = (pickle.UnpicklingError, EOFError, RuntimeError, KeyError,
               AssertionError, IndexError, ValueError, TypeError,
               AttributeError, struct.error, OverflowError, MemoryError,
               NotImplementedError)


def _load_error(filename: str, name: str, error: Exception) -> Exception:
    """The error to raise for a file ``torch.load`` failed on (or whose
    pickle names a refused object): damage and foreign files told by the
    file's bytes, torch's words only quoted (torch rewords its messages);
    a refusal only for intact bytes."""
    if isinstance(error, UnsafeCheckpointError):
        reason = error.reason
    else:
        lines = [
            line.split('WeightsUnpickler error:')[-1].strip()
            for line in str(error).splitlines()
        ]
        reason = next((line for line in lines[1:] if line),
                      lines[0] if lines else type(error).__name__)
        reason = reason.split('. This is an internal miniz error')[0][:120]
    if _zip_damage(filename):
        return UnreadableCheckpointError(
            f'{name}: corrupt: its bytes are damaged ({reason}); '
            f'{_COPY_AGAIN}')
    foreign = _not_torch_file(filename)
    if foreign:
        return UnreadableCheckpointError(f'{name}: {foreign}')
    if isinstance(error, (UnsafeCheckpointError, pickle.UnpicklingError)):
        return _unsafe(name, reason)
    if isinstance(error, EOFError):
        return UnreadableCheckpointError(
            f'{name}: truncated: the file ends before its data does; '
            f'{_COPY_AGAIN}')
    # intact bytes torch cannot read: an allowed function called with
    # arguments it cannot take, a weight missing or cut short, a CUDA
    # tensor on a machine without one (torch's words say which)
    return UnreadableCheckpointError(
        f'{name}: torch cannot read it ({reason})')


def check_checkpoint_file(filename: str) -> None:
    """Raise for a local checkpoint that is missing, empty, truncated or no
    checkpoint, before MMEngine logs "Loads checkpoint by ... from path",
    which reads as if it had loaded; a URL is checked once downloaded."""
    if '://' not in filename:
        _check_readable(filename, filename)


def read_checkpoint(filename: str, map_location: str = 'cpu') -> Any:
    """MMEngine's ``_load_checkpoint`` (any scheme, through this module's
    loaders), a local file checked first (:func:`check_checkpoint_file`).
    """
    check_checkpoint_file(filename)
    return _load_checkpoint(filename, map_location=map_location)


def load_from_weights_only(filename: str,
                           map_location: Optional[Union[str, Callable]] = None,
                           source: Optional[str] = None) -> Any:
    """Load a local checkpoint with ``torch.load(weights_only=True)``.

    ``source`` is what messages name the file by (a downloaded file's URL);
    by default its path.

    (Named ``load_from_...`` because mmengine logs a loader by its name
    after that prefix: "Loads checkpoint by weights_only backend".)

    Returns:
        The checkpoint as mmengine saved it: :func:`decode` has restored
        what ``WeightsOnlyCheckpointHook`` made plain, so code that loads
        it without the hook (MMPose's ``init_model``, ``MMPoseInferencer``)
        finds the metainfo's numpy arrays.

    Raises:
        MissingCheckpointError: ``filename`` does not exist (also a
            ``FileNotFoundError``).
        UnreadableCheckpointError: The file is empty, truncated, corrupt,
            or not a checkpoint (text, an HTML page, another archive).
        UnsafeCheckpointError: The pickle refers to a Python object that is
            not plain data (a function, a class, ...).

    A stored config text that is not plain data (which mmengine's
    inferencer or ``--resume`` would run) is removed unread
    (:func:`~fashionai_dataset.stored_config.drop_unsafe_configs`).
    Objects of :data:`PUBLISHED_OBJECT_MODULES` (published checkpoints'
    numpy metadata, old MMCV objects) are left out and logged, never built.
    """
    filename = osp.expanduser(filename)
    name = source or filename
    _check_readable(filename, name)
    left_out: List[str] = []
    try:
        left_out = _pickled_objects(filename, name)
        with torch.serialization.safe_globals([(NotPlainData, obj)
                                               for obj in left_out]):
            checkpoint = torch.load(
                filename, map_location=map_location, weights_only=True)
    except LOAD_ERRORS as error:
        raise _load_error(filename, name, error) from None
    damage = _zip_damage(filename)
    if damage:  # torch reads the members without checking their CRCs
        raise UnreadableCheckpointError(
            f'{name}: corrupt: its bytes are damaged ({damage}); '
            f'{_COPY_AGAIN}')
    if not isinstance(checkpoint, dict) or not isinstance(
            checkpoint.get('state_dict', {}), dict):
        what = checkpoint.get('state_dict') if isinstance(checkpoint,
                                                          dict) else checkpoint
        raise UnreadableCheckpointError(
            f'{name}: not a checkpoint: it holds a {type(what).__name__}'
            f'{" as its state_dict" if what is not checkpoint else ""}; '
            'expected the dict (weights, meta) that mim train writes')
    try:
        checkpoint = decode(checkpoint)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise UnreadableCheckpointError(
            f'{name}: corrupt: its data cannot be restored '
            f'({type(error).__name__}: {str(error)[:120]})') from None
    if left_out:
        print_log(
            f'{name}: left out what its data holds that is not plain '
            f'data ({", ".join(left_out)}); the weights are loaded',
            logger='current',
            level=logging.WARNING)
    # checked after decoding: a tagged value can hide a dict until then;
    # only this loader may say a stored config was refused
    meta = checkpoint.get('meta')
    if isinstance(meta, dict):
        meta.pop(REFUSED_KEY, None)
    drop_unsafe_configs(checkpoint, name)
    return checkpoint


#: Top-level modules whose objects published OpenMMLab and torchvision
#: checkpoints keep in their ``meta`` (numpy arrays and scalars, MMCV and
#: MMEngine objects), and the two builtins their pickles use with them:
#: loaded as :class:`NotPlainData` and left out, so that the weights of such
#: a file still load. Any other object a pickle names is refused.
PUBLISHED_OBJECT_MODULES = ('numpy', 'mmcv', 'mmengine', 'mmcls', 'mmdet',
                            'mmpose', 'mmpretrain')
PUBLISHED_OBJECT_BUILTINS = ('builtins.bytes', 'builtins.getattr')


def _pickled_objects(filename: str, name: str) -> List[str]:
    """The objects (``module.name``) beyond torch's plain data that the
    checkpoint's pickle refers to and that may be left out.

    Found by reading the pickle's instructions, not by running them; a
    file torch cannot list (the legacy format, damaged bytes) gets none,
    and ``torch.load`` says what is wrong with it.

    Raises:
        UnsafeCheckpointError: The pickle refers to any other object.
    """
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # noqa: BLE001  (torch.load names the damage)
        return []
    found = sorted(set(found))
    refused = [
        obj for obj in found
        if obj.split('.')[0] not in PUBLISHED_OBJECT_MODULES
        and obj not in PUBLISHED_OBJECT_BUILTINS
    ]
    if refused:
        raise _unsafe(name, ', '.join(refused[:3]))
    return found


def _download(url: str) -> Tuple[str, bool]:
    """The local copy of ``url`` in torch's hub cache, downloaded if absent,
    and whether it was downloaded now.

    The cache folder, file name and hash check are those of
    ``torch.hub.load_state_dict_from_url`` (which MMEngine's own ``http://``
    loader calls): ``$TORCH_HOME/hub/checkpoints/NAME``, and a name like
    ``resnet50-0676ba61.pth`` must be a file whose SHA256 begins so. A
    server that sends nothing for :data:`DOWNLOAD_TIMEOUT` seconds ends the
    download.
    """
    advice = ('without internet, download the file elsewhere and give its '
              'local path instead (a config\'s start: --cfg-options '
              'model.backbone.init_cfg.checkpoint=PATH, or '
              'model.backbone.init_cfg=None for random weights)')
    try:
        name = osp.basename(urlparse(url).path)
    except ValueError as error:
        raise UnreadableCheckpointError(
            f'{url}: not a URL ({error})') from None
    if name in ('', '.', '..'):
        raise UnreadableCheckpointError(
            f'{url}: names no file (expected a URL ending in the '
            'checkpoint\'s file name)')
    folder = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(folder, exist_ok=True)
    cached = osp.join(folder, name)
    if osp.exists(cached):
        return cached, False
    print_log(f'Downloading {url} to {cached}', logger='current')
    match = torch.hub.HASH_REGEX.search(name)
    timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)  # urllib waits for ever
    try:
        torch.hub.download_url_to_file(
            url,
            cached,
            match.group(1) if match else None,
            progress=os.isatty(0))
    except (OSError, ValueError, RuntimeError,
            http.client.HTTPException) as error:
        # HTTPError (with a code), URLError and timeouts are OSErrors;
        # RuntimeError: the hash check; HTTPException: a broken answer
        reason = str(error) if hasattr(error, 'code') else str(
            getattr(error, 'reason', None) or error or type(error).__name__)
        raise UnreadableCheckpointError(
            f'{url}: cannot download: {reason.splitlines()[0][:200]}; '
            f'{advice}') from None
    finally:
        socket.setdefaulttimeout(timeout)
    return cached, True


def load_from_url_weights_only(url: str,
                               map_location: Optional[Union[str,
                                                            Callable]] = None
                               ) -> Any:
    """Download a checkpoint into torch's hub cache and load it as
    :func:`load_from_weights_only` loads a local file.

    In a distributed run rank 0 downloads first and the other ranks read
    its copy, as MMEngine's ``http://`` loader does. A file downloaded now
    and refused is deleted, so that a later run downloads it again.
    """
    rank, world_size = get_dist_info()
    if rank == 0:
        cached, downloaded = _download(url)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            cached, downloaded = _download(url)
    try:
        return load_from_weights_only(cached, map_location,
                                      f'{url} (saved as {cached})')
    except CheckpointError:
        if downloaded:  # a refused download is not kept to be used again
            os.remove(cached)
        raise


def _model_url(names: Dict[str, str], name: str, filename: str) -> str:
    if name not in names:
        raise UnreadableCheckpointError(
            f'{filename}: unknown model name {name!r}; MMEngine knows '
            f'{len(names)} names under this prefix (e.g. '
            f'{", ".join(sorted(names)[:3])})')
    return names[name]


def load_from_model_zoo_weights_only(
        filename: str,
        map_location: Optional[Union[str, Callable]] = None) -> Any:
    """``torchvision://NAME``, ``open-mmlab://NAME`` and ``mmcls://NAME``:
    the URL MMEngine's model lists give for NAME, loaded by
    :func:`load_from_url_weights_only` (a name that MMEngine's list maps
    to a file under its home folder, by :func:`load_from_weights_only`)."""
    prefix, name = filename.split('://', 1)
    if prefix in ('torchvision', 'modelzoo'):
        url = _model_url(get_torchvision_models(), name, filename)
    elif prefix == 'mmcls':
        url = _model_url(get_mmcls_models(), name, filename)
    else:
        name = get_deprecated_model_names().get(name, name)
        url = _model_url(get_external_models(), name, filename)
        if not url.startswith(URL_PREFIXES):
            return load_from_weights_only(
                osp.join(_get_mmengine_home(), url), map_location)
    checkpoint = load_from_url_weights_only(url, map_location)
    if prefix == 'mmcls':
        checkpoint = _process_mmcls_checkpoint(checkpoint)
    return checkpoint


#: Seconds a download may wait for the server before it ends.
DOWNLOAD_TIMEOUT = 60

#: Where checkpoints load from: a local path, or one of these prefixes.
URL_PREFIXES = ('http://', 'https://')
MODEL_ZOO_PREFIXES = ('torchvision://', 'modelzoo://', 'open-mmlab://',
                      'openmmlab://', 'mmcls://')
#: MMEngine's other schemes (which need services this project does not
#: install, and read with a plain ``torch.load``), and any other
#: ``SCHEME://``: refused by :func:`load_from_unsupported_scheme`.
UNSUPPORTED_PREFIXES = ('pavi://', r'(\S+\:)?s3://', r'(\S+\:)?petrel://',
                        r'[A-Za-z][A-Za-z0-9+.-]*://')


def load_from_unsupported_scheme(filename: str,
                                 map_location: Optional[Union[str,
                                                              Callable]] = None
                                 ) -> Any:
    """Refuse a checkpoint whose scheme the project does not read."""
    scheme = filename.split('://', 1)[0].rsplit(':', 1)[-1]
    raise UnreadableCheckpointError(
        f'{filename}: checkpoints cannot be read from {scheme}:// here; '
        'give a local path, or an http://, https://, '
        f'{", ".join(MODEL_ZOO_PREFIXES)} name')
