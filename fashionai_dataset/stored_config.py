"""A checkpoint's stored training config, read as data and never run.

MMEngine's runner stores the config in every checkpoint as Python text
(``meta['cfg']`` and ``message_hub['runtime_info']['cfg']``, its
``Config.pretty_text``), which ``Config.fromstring`` would execute.
:func:`parse_stored_config` reads it with :mod:`ast` instead; what it
accepts and refuses: docs/training.md, "Checkpoints cannot run code".
"""
import ast
import importlib.util
import os.path as osp
import re
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from mmengine.config import Config
from mmengine.registry import Registry
from mmengine.utils import import_modules_from_strings

#: Top-level packages a stored ``custom_imports`` may import: this project's
#: and the OpenMMLab libraries its configs build on.
IMPORTABLE_PACKAGES = ('fashionai_core', 'fashionai_dataset',
                       'fashionai_deploy', 'fashionai_patches', 'projects',
                       'mmpose', 'mmdet', 'mmpretrain', 'mmcv', 'mmengine')

#: Registry scopes a stored config may name (``default_scope``,
#: ``_scope_``, ``type='mmdet.CSPNeXt'``): building a registry of another
#: scope imports a module of that name.
OPENMMLAB_SCOPES = ('mmpose', 'mmdet', 'mmpretrain', 'mmengine', 'mmcv')

#: Endings of config files that MMEngine's ``Config.fromfile`` runs (a
#: ``.py`` file) or reads with PyYAML's full loader, which builds Python
#: objects: registered models take such paths (MMDetection's distillation
#: ``teacher_config``, MMPose's ``DWPoseDistiller``), and so does a
#: dataset's ``metainfo=dict(from_file=...)``. A stored config names none.
CONFIG_FILE_ENDINGS = ('.py', '.yaml', '.yml')

#: This project's metainfo files (``configs/fashionai/_base_/datasets/``),
#: which its configs name as ``metainfo=dict(from_file=...)``. A stored
#: config's path to one is not believed: the file of that name in this
#: checkout is read instead.
METAINFO_FOLDER = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'fashionai',
    '_base_', 'datasets')
METAINFO_NAME = re.compile(
    r'_base_[/\\]datasets[/\\](fashionai_'
    r'(?:blouse|outwear|dress|skirt|trousers|all)\.yaml)$')

#: Types that no registry holds but an OpenMMLab config names: the NMS
#: kinds of MMDetection's ``test_cfg.nms``, which mmcv's ``batched_nms``
#: looks up among its own functions.
NMS_TYPES = ('nms', 'soft_nms')

#: Where a checkpoint may hold a config text: mmengine's runner writes the
#: first two; ``--resume`` also reads the third (an older mmengine's key).
CONFIG_TEXT_PATHS = (('meta', 'cfg'), ('message_hub', 'runtime_info', 'cfg'),
                     ('meta', 'config'))

#: ``meta`` key under which :func:`drop_unsafe_configs` says why it dropped
#: a stored config.
REFUSED_KEY = 'stored_config_refused'

#: Names MMEngine's ``Config`` keeps for itself.
RESERVED_NAMES = ('filename', 'text', 'pretty_text', 'env_variables')

#: Dicts of a stored config that name a registry ``type`` or ``_scope_``,
#: with the node each was read from (for its line).
TypedDicts = List[Tuple[ast.AST, Dict[Any, Any]]]

_ADVICE = ('a checkpoint\'s config is read as data and never run; to use '
           'this checkpoint, pass a config file you trust (--config)')


class UnsafeConfigError(ValueError):
    """A stored config holds something that only running code produces.

    Args:
        source: The checkpoint, named first in the message.
        reason: What was found, e.g. ``line 3 of its stored config holds
            the name os, which only code produces``.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f'{source}: {reason}; {_ADVICE}')
        self.source = source
        self.reason = reason


def _construct(node: ast.AST) -> str:
    """What a refused node is, in words."""
    if isinstance(node, ast.Call):
        try:
            return f'a call of {ast.unparse(node.func)}()'
        except Exception:  # noqa: BLE001  (unparse of odd trees)
            return 'a call'
    names = {
        ast.Attribute: 'an attribute',
        ast.Import: 'an import',
        ast.ImportFrom: 'an import',
        ast.Lambda: 'a lambda',
        ast.ListComp: 'a comprehension',
        ast.SetComp: 'a comprehension',
        ast.DictComp: 'a comprehension',
        ast.GeneratorExp: 'a comprehension',
        ast.Subscript: 'a subscript',
        ast.JoinedStr: 'an f-string with expressions',
        ast.BinOp: 'an operator',
        ast.BoolOp: 'an operator',
        ast.Compare: 'a comparison',
        ast.IfExp: 'a conditional expression',
        ast.Starred: 'an unpacking',
        ast.NamedExpr: 'an assignment expression',
        ast.Set: 'a set',
        ast.Await: 'an await',
        ast.Yield: 'a yield',
        ast.YieldFrom: 'a yield',
    }
    if isinstance(node, ast.Name):
        return f'the name {node.id}'
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return f'{names[type(node)]} ({ast.unparse(node)[:60]})'
    if isinstance(node, ast.Constant):
        return f'a {type(node.value).__name__} constant'
    if type(node) in names:
        return names[type(node)]
    if isinstance(node, ast.stmt):
        return f'a statement ({type(node).__name__})'
    return f'a {type(node).__name__} expression'


def _refuse(source: str,
            node: ast.AST,
            construct: str = '',
            because: str = 'which only code produces') -> None:
    line = getattr(node, 'lineno', '?')
    raise UnsafeConfigError(
        source, f'line {line} of its stored config holds '
        f'{construct or _construct(node)}' +
        (f', {because}' if because else ''))


def _metainfo_path(value: Any) -> Optional[str]:
    """Where a string naming one of this project's metainfo files
    (:data:`METAINFO_NAME`) is read from: ``value`` itself where it is this
    checkout's file (a project's ``../..`` path), else this checkout's file
    of that name; None for any other value."""
    name = isinstance(value, str) and METAINFO_NAME.search(value)
    trusted = name and osp.join(METAINFO_FOLDER, name.group(1))
    if not (trusted and osp.isfile(trusted)):
        return None
    return value if osp.realpath(value) == osp.realpath(trusted) else trusted


def _value(node: ast.AST, source: str, typed: TypedDicts) -> Any:
    """The value of a data-only expression; refuses everything else."""
    if isinstance(node, ast.Constant):
        metainfo = _metainfo_path(node.value)
        if metainfo:
            return metainfo
        if isinstance(node.value, str) and node.value.strip().lower().endswith(
                CONFIG_FILE_ENDINGS):
            _refuse(
                source,
                node, f'the config file name {node.value!r}, which a model '
                'or metainfo built from it would read and run',
                because='')
        if isinstance(node.value, (str, int, float, bool, type(None))):
            return node.value
        _refuse(source, node)
    if isinstance(node, ast.UnaryOp) and isinstance(
            node.op, (ast.USub, ast.UAdd)) and isinstance(
                node.operand, ast.Constant) and type(
                    node.operand.value) in (int, float):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.List):
        return [_value(item, source, typed) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(item, source, typed) for item in node.elts)
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):  # {**other}
            _refuse(source, node, 'an unpacking')
        return _checked_dict(
            {
                _key(key, source, typed): _value(value, source, typed)
                for key, value in zip(node.keys, node.values)
            }, node, source, typed)
    if isinstance(node, ast.Call) and isinstance(
            node.func, ast.Name) and node.func.id == 'dict':
        if node.args or any(k.arg is None for k in node.keywords):
            _refuse(
                source, node, 'a dict() call with positional arguments '
                'or an unpacking')
        return _checked_dict(
            {k.arg: _value(k.value, source, typed)
             for k in node.keywords}, node, source, typed)
    if isinstance(node, ast.JoinedStr) and all(
            isinstance(part, ast.Constant) for part in node.values):
        return ''.join(part.value for part in node.values)
    _refuse(source, node)


def _key(node: ast.AST, source: str, typed: TypedDicts) -> Any:
    key = _value(node, source, typed)
    try:
        hash(key)
    except TypeError:
        _refuse(source, node, f'a {type(key).__name__} holding a list used '
                'as a dict key')
    if not isinstance(key, (str, int, float, bool, type(None), tuple)):
        _refuse(source, node, f'a {type(key).__name__} used as a dict key')
    return key


def _checked_dict(value: Dict[Any, Any], node: ast.AST, source: str,
                  typed: TypedDicts) -> Dict[Any, Any]:
    """``value``, noted in ``typed`` with its node when it names a registry
    ``type`` or ``_scope_`` (checked by :func:`_check_registry_names` once
    the whole config is read); a ``.json`` config file under a key that
    names a config is refused (see :data:`CONFIG_FILE_ENDINGS`)."""
    if 'type' in value or '_scope_' in value:
        typed.append((node, value))
    for key, item in value.items():
        # a JSON config may hold _base_ naming a .py file, which runs
        if isinstance(key, str) and (
                'config' in key
                or 'cfg' in key or key == 'from_file') and isinstance(
                    item, str) and item.strip().lower().endswith('.json'):
            _refuse(
                source,
                node, f'{key}={item!r}, a config file name, which a model '
                'built from it would read and run',
                because='')
    return value


def registered_names(scope: str) -> Set[str]:
    """Every name registered in a scope's registries and their parents,
    after importing the modules those registries name for themselves
    (``locations``), as ``Registry.get`` would; nothing else is imported.
    A scope whose package is not installed has none."""
    try:
        module = importlib.import_module(f'{scope}.registry')
    except ImportError:
        return set()
    names = set()
    for registry in vars(module).values():
        if isinstance(registry, Registry):
            registry.import_from_location()
            while registry is not None:
                names.update(registry.module_dict)
                registry = registry.parent
    return names


def _check_registry_names(values: Dict[str, Any], typed: TypedDicts,
                          source: str) -> None:
    """Refuse every ``type`` and ``_scope_`` that MMEngine's registries would
    not find among their registered names.

    ``Registry.get`` falls back to importing any string it does not know
    (``type='subprocess.Popen'`` builds a process, ``type='mmdet.this'``
    imports the module ``this``), so a type must be a name registered in
    the config's scopes (``default_scope``, every ``_scope_``, MMEngine's),
    or ``SCOPE.Name`` with ``Name`` registered in ``SCOPE``, which must be
    an OpenMMLab library.
    """
    known: Dict[str, Set[str]] = {}

    def names_of(scope: str) -> Set[str]:  # each scope's registries once
        if scope not in known:
            known[scope] = registered_names(scope)
        return known[scope]

    scopes = {values.get('default_scope') or 'mmpose', 'mmengine'}
    for node, value in typed:
        scope = value.get('_scope_')
        if scope is not None and scope not in OPENMMLAB_SCOPES:
            _refuse(
                source,
                node, f'the registry scope {scope!r}, which is not an '
                'OpenMMLab library',
                because='')
        scopes.add(scope)
    plain_names = set().union(*(names_of(s) for s in scopes if s))
    for node, value in typed:
        name = value.get('type')
        if not isinstance(name, str):
            continue
        prefix, dot, rest = name.partition('.')
        if dot:
            good = prefix in OPENMMLAB_SCOPES and rest in names_of(prefix)
        else:
            good = (name in plain_names
                    or name in NMS_TYPES) and not _is_module(name)
        if not good:
            _refuse(
                source,
                node, f'type={name!r}, which a registry would import as '
                'code (a type is a name registered in the config\'s '
                'scopes, or SCOPE.Name with an OpenMMLab scope)',
                because='')


def _is_module(name: str) -> bool:
    """Whether ``name`` is an importable top-level module (found, not run)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _assignments(tree: ast.Module,
                 source: str) -> Iterator[Tuple[str, ast.AST]]:
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets)
                == 1 and isinstance(statement.targets[0], ast.Name)):
            _refuse(
                source, statement, 'a statement other than NAME = VALUE'
                if isinstance(statement, ast.Assign) else '')
        yield statement.targets[0].id, statement.value


def parse_stored_config(text: str, source: str) -> Dict[str, Any]:
    """The top-level names of a config text, evaluated as data only.

    Args:
        text: A config as MMEngine's ``Config.pretty_text`` writes it.
        source: What to name in errors (the checkpoint's path).

    Its ``custom_imports`` are imported (they may name only this
    project's and OpenMMLab's packages), then every ``type`` must be a name
    registered in the config's scopes (:func:`_check_registry_names`).

    Returns:
        dict: Name -> value (dicts, lists, tuples, str, int, float, bool,
        None), as executing the text would give for an honest dump.

    Raises:
        UnsafeConfigError: The text is not Python, or holds anything but
            data (a call other than ``dict``, a name, an attribute, an
            import, a lambda, a comprehension, a subscript, an f-string with
            expressions, an operator, ``_base_``), or a ``type`` no
            registry holds, naming its line.
    """
    if not isinstance(text, str):
        raise UnsafeConfigError(
            source, f'its stored config is a {type(text).__name__}, not '
            'the text mmengine writes')
    try:
        tree = ast.parse(text)
    except (RecursionError, MemoryError):
        raise UnsafeConfigError(
            source, 'its stored config is nested too deeply to read') from None
    except (SyntaxError, ValueError) as error:
        raise UnsafeConfigError(
            source, f'line {getattr(error, "lineno", "?")} of its stored '
            f'config is not valid Python ({getattr(error, "msg", error)})'
        ) from None
    values, typed = {}, []
    for name, node in _assignments(tree, source):
        if name == '_base_':
            _refuse(
                source,
                node,
                '_base_, which would read other files',
                because='')
        if name in RESERVED_NAMES:
            _refuse(
                source,
                node,
                f'the name {name}, which MMEngine\'s Config reserves',
                because='')
        try:
            values[name] = _value(node, source, typed)
        except (RecursionError, MemoryError):
            _refuse(source, node, 'values nested too deeply', because='')
    scope = values.get('default_scope')
    if scope is not None and scope not in OPENMMLAB_SCOPES:
        raise UnsafeConfigError(
            source, f'its stored config\'s default_scope {scope!r} is not '
            'an OpenMMLab library')
    _import_custom_imports(values.get('custom_imports'), source)
    _check_registry_names(values, typed, source)
    return values


def _import_custom_imports(custom_imports: Any, source: str) -> None:
    """Import a stored ``custom_imports`` (as ``Config.fromstring`` would,
    and so that the types they register can be checked), once every module
    it names is this project's or OpenMMLab's."""
    if custom_imports is None:
        return
    modules = custom_imports.get('imports') if isinstance(
        custom_imports, dict) else None
    if isinstance(modules, str):
        modules = [modules]
    if not isinstance(modules, (list, tuple)) or not all(
            isinstance(m, str) for m in modules):
        raise UnsafeConfigError(
            source, 'its stored config\'s custom_imports is not '
            'dict(imports=[MODULE, ...])')
    for module in modules:
        if module.split('.')[0] not in IMPORTABLE_PACKAGES:
            raise UnsafeConfigError(
                source, f'its stored config imports {module!r}, which is '
                'neither part of fashionai-mmpose nor an OpenMMLab library')
    try:
        import_modules_from_strings(
            modules,
            allow_failed_imports=bool(
                custom_imports.get('allow_failed_imports', False)))
    except ImportError as error:
        raise UnsafeConfigError(
            source, 'its stored config imports a module that is not '
            f'installed here ({error}), so its types cannot be checked; '
            'install it') from None


def _foreign_metainfo(text: str) -> List[Tuple[ast.Constant, str]]:
    """The string literals of a parsed config text that name one of this
    project's metainfo files by another file's path, with the trusted
    path each stands for."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant):
            metainfo = _metainfo_path(node.value)
            if metainfo and metainfo != node.value:
                found.append((node, metainfo))
    return found


def _with_trusted_metainfo(text: str, source: str) -> str:
    """``text`` with every metainfo file path that is not this checkout's
    file replaced by the path of this checkout's file of that name.

    Raises:
        UnsafeConfigError: A path that the replacement missed (it is
            checked again afterwards).
    """
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def index(lineno: int, col: int) -> int:  # ast columns are UTF-8 bytes
        return starts[lineno - 1] + len(
            lines[lineno - 1].encode('utf-8')[:col].decode('utf-8'))

    for node, trusted in sorted(
            _foreign_metainfo(text),
            key=lambda f: (f[0].lineno, f[0].col_offset),
            reverse=True):  # from the end, so earlier offsets stay
        start = index(node.lineno, node.col_offset)
        end = index(node.end_lineno, node.end_col_offset)
        text = text[:start] + repr(trusted) + text[end:]
    if _foreign_metainfo(text):
        raise UnsafeConfigError(
            source, 'its stored config names a metainfo file outside this '
            'checkout that could not be replaced')
    return text


def drop_unsafe_configs(checkpoint: Any, source: str) -> None:
    """Remove, in place, every stored config text of a loaded checkpoint
    that is not plain data, and say why in ``meta``.

    Every place a checkpoint keeps a config text (:data:`CONFIG_TEXT_PATHS`)
    is parsed with :func:`parse_stored_config`, so that whatever reads one
    later (mmengine's inferencer, ``--resume``) only ever finds data. The
    weights stay usable with a config the user passes; the first refusal's
    reason is kept as ``meta['stored_config_refused']``, which
    :func:`stored_config` raises and ``WeightsOnlyCheckpointHook`` logs.
    """
    if not isinstance(checkpoint, dict):
        return
    for path in CONFIG_TEXT_PATHS:
        parent = checkpoint
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or path[-1] not in parent:
            continue
        try:
            parse_stored_config(parent[path[-1]], source)
            # what reads the text later (MMPose's inferencer) must find
            # this checkout's metainfo files, not the paths it names
            parent[path[-1]] = _with_trusted_metainfo(parent[path[-1]], source)
        except UnsafeConfigError as error:
            del parent[path[-1]]
            if not isinstance(checkpoint.get('meta'), dict):
                checkpoint['meta'] = {}
            checkpoint['meta'].setdefault(REFUSED_KEY, error.reason)


def stored_config(meta: dict, source: str) -> Config:
    """The training config a checkpoint's ``meta`` holds, read as data.

    Raises:
        UnsafeConfigError: The text is not data (or the loader dropped it
            for that reason).
        ValueError: The checkpoint holds no config.
    """
    if REFUSED_KEY in meta:
        raise UnsafeConfigError(source, meta[REFUSED_KEY])
    if 'cfg' not in meta:
        raise ValueError(f'{source} holds no training config; pass the '
                         'config file too')
    return Config(
        parse_stored_config(meta['cfg'], source), cfg_text=meta['cfg'])
