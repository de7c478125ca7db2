"""The one rule for what a tool may write (docs/bad_input.md, "One rule for
outputs"), checked before a tool writes anything:

1. an output is never one of the run's inputs, nor an image inside an input
   folder;
2. a file a tool derives inside an output folder stays inside it;
3. a derived file never replaces one the project's tools did not write (the
   folder's manifest, :data:`MANIFEST`, records theirs).

Refusals are one line naming both paths (:class:`OutputError`).
"""
import json
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional

from .atomic import atomic_write
from .csv_io import read_fashionai_csv

#: Files an image root holds: every one an input of a run that reads it.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')

#: The manifest an output folder keeps of the files the tools wrote there.
MANIFEST = '.fashionai_outputs'


class OutputError(ValueError):
    """An output that would change what the user gave the tool."""


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one file: the same path once links and
    spellings are resolved, or (both existing) the same inode."""
    if osp.realpath(a) == osp.realpath(b):
        return True
    try:
        return osp.samefile(a, b)
    except OSError:
        return False


def inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies below it, links resolved."""
    folder = osp.realpath(folder)
    return osp.commonpath([osp.realpath(path), folder]) == folder


def check_output(output: str,
                 inputs: Iterable[Optional[str]] = (),
                 input_folders: Iterable[Optional[str]] = (),
                 folder: bool = False) -> None:
    """Rule 1 for ``output``, a file (or with ``folder``, a folder) to be
    written.

    Args:
        output: The path to be written.
        inputs: The run's input files (None entries are skipped); pass the
            images a run reads too (:func:`listed_images`).
        input_folders: Folders the run reads images from (an image root):
            every image file in them counts as an input, read or not.
        folder: ``output`` is a folder (an ``--out-dir``).

    Raises:
        OutputError: Naming ``output`` and the input it would replace.
    """
    for source in inputs:
        if source and same_file(output, source):
            raise OutputError(f'{output}: is an input of this run '
                              f'({source}); name another output')
    if not folder and osp.isdir(output):
        raise OutputError(f'{output}: is a folder; name the file to write')
    parent = osp.dirname(osp.abspath(output))
    while not osp.lexists(parent):  # the folders a write would create
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise OutputError(f'{output}: cannot be written: {parent} is not a '
                          'folder')
    if osp.lexists(output) and output.lower().endswith(IMAGE_EXTENSIONS):
        for folder in input_folders:
            if folder and inside(output, folder):
                raise OutputError(
                    f'{output}: would replace an image of the input folder '
                    f'{folder}; name another output')


class OutputFolder:
    """The files a tool derives inside a folder the user named.

    Args:
        folder: The output folder (``--out-dir``).
        inputs: The run's input files.
        input_folders: Folders whose images are all inputs.

    Use :meth:`check` on every path before writing any, :meth:`record`
    after each write and :meth:`close` at the end (also after a failure,
    so that what was written is known; ``contextlib.closing`` does it).
    """

    def __init__(
        self,
        folder: str,
        inputs: Iterable[Optional[str]] = (),
        input_folders: Iterable[Optional[str]] = ()
    ) -> None:
        self.folder = folder
        self.inputs = [p for p in inputs if p]
        self.input_folders = [f for f in input_folders if f]
        check_output(folder, self.inputs, folder=True)
        if osp.lexists(folder) and not osp.isdir(folder):
            raise OutputError(f'{folder}: is not a folder; name a folder '
                              'as --out-dir')
        self.manifest = self._read_manifest()

    @property
    def manifest_path(self) -> str:
        return osp.join(self.folder, MANIFEST)

    def _read_manifest(self) -> Dict[str, List[int]]:
        """The folder's manifest (none yet: empty).

        Raises:
            OutputError: Something else has the manifest's name (a link, a
                folder, a FIFO, a file that is not a manifest), which the
                tools would neither read safely nor replace.
        """
        path = self.manifest_path
        if not osp.lexists(path):
            return {}
        problem = f'{path}: is not the manifest this project\'s tools write'
        if osp.islink(path) or not osp.isfile(path):
            raise OutputError(f'{problem}; move it away')
        try:
            with open(path, encoding='utf-8') as file:
                entries = json.load(file)
        except (OSError, ValueError, RecursionError):
            raise OutputError(f'{problem}; move it away') from None
        if not isinstance(entries, dict) or not all(
                isinstance(v, list) and len(v) == 2 and all(
                    type(n) is int for n in v) for v in entries.values()):
            raise OutputError(f'{problem}; move it away')
        return entries

    def wrote(self, path: str) -> bool:
        """Whether ``path`` is a file the tools wrote here, unchanged since."""
        if not osp.lexists(path):
            return False
        stat = os.lstat(path)
        return self.manifest.get(
            self._key(path)) == [stat.st_size, stat.st_mtime_ns]

    def check(self, paths: Iterable[str]) -> None:
        """Rules 1-3 for every path; raises :class:`OutputError` for the
        first that breaks one, before anything is written."""
        inputs = {osp.realpath(p): p for p in self.inputs}
        for path in paths:
            if not inside(path, self.folder):
                raise OutputError(f'{path}: outside the output folder '
                                  f'{self.folder}; nothing was written')
            if osp.realpath(path) in inputs:
                raise OutputError(
                    f'{path}: would replace the input '
                    f'{inputs[osp.realpath(path)]}; choose another '
                    '--out-dir')
            check_output(path, self.inputs, self.input_folders)
            if osp.lexists(path) and not self.wrote(path):
                raise OutputError(
                    f'{path}: exists and was not written by this project\'s '
                    'tools (or was changed since); move it away, or choose '
                    'another --out-dir')

    def _key(self, path: str) -> str:
        return osp.relpath(osp.realpath(path), osp.realpath(self.folder))

    def record(self, path: str) -> None:
        """Note ``path`` (just written) as the project's."""
        stat = os.stat(path)
        self.manifest[self._key(path)] = [stat.st_size, stat.st_mtime_ns]

    def close(self) -> None:
        """Write the manifest (atomically), merged with what another run
        recorded there meanwhile."""
        if self.manifest and osp.isdir(self.folder):
            try:
                merged = dict(self._read_manifest(), **self.manifest)
            except OutputError:
                merged = self.manifest
            with atomic_write(self.manifest_path) as file:
                json.dump(merged, file, indent=0, sort_keys=True)


def listed_images(csv_path: str, image_root: str) -> List[str]:
    """The images a CSV lists, as paths under ``image_root``: inputs of a
    run that reads them (an unreadable CSV lists none; its reader says
    why when the tool reads it)."""
    try:
        records = read_fashionai_csv(csv_path)
    except (OSError, ValueError):
        return []
    return [osp.join(image_root, image_id) for image_id in records.image_ids]
