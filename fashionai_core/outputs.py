"""The one rule for what a tool may write.

Every tool checks its outputs here before it writes anything:

1. an output is never one of the run's inputs (the same file by any
   spelling, through a link, or a hard link), nor replaces an image inside
   an input folder (an image root, whose images the run reads);
2. a file a tool derives inside an output folder (``--out-dir``) stays
   inside that folder, so it lands inside an input folder only where the
   user named an output folder there;
3. a file a tool derives never replaces one the project's tools did not
   write: each output folder keeps a manifest (:data:`MANIFEST`) of what
   was written there, with sizes and modification times, so a tool's own
   earlier outputs are known and a file changed since is not.

A file the user names as the output (``-o OUT.csv``) is the user's to
replace, as with ``cp`` or MMPose's tools, once rule 1 holds. A folder a
tool fills whole (``prepare_data.py --out``) has its own marker and rules
(:mod:`fashionai_core.releases`).
Refusals are one line naming both paths (:class:`OutputError`).
"""
import json
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional

from .atomic import atomic_write

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


def check_output(
    output: str,
    inputs: Iterable[Optional[str]] = (),
    input_folders: Iterable[Optional[str]] = ()
) -> None:
    """Rules 1 and 2 for ``output``, a file (or folder) to be written.

    Args:
        output: The path to be written.
        inputs: The run's input files (None entries are skipped).
        input_folders: Folders the run reads images from (an image root):
            every image file in them is an input.

    Raises:
        OutputError: Naming ``output`` and the input it would replace.
    """
    for source in inputs:
        if source and same_file(output, source):
            raise OutputError(f'{output}: is an input of this run '
                              f'({source}); name another output')
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
        check_output(folder, self.inputs)
        self.manifest = _read_manifest(osp.join(folder, MANIFEST))

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
            if osp.lexists(path) and not self._wrote(path):
                raise OutputError(
                    f'{path}: exists and was not written by this project\'s '
                    'tools (or was changed since); move it away, or choose '
                    'another --out-dir')

    def _key(self, path: str) -> str:
        return osp.relpath(osp.realpath(path), osp.realpath(self.folder))

    def _wrote(self, path: str) -> bool:
        stat = os.lstat(path)
        return self.manifest.get(
            self._key(path)) == [stat.st_size, stat.st_mtime_ns]

    def record(self, path: str) -> None:
        """Note ``path`` (just written) as the project's."""
        stat = os.stat(path)
        self.manifest[self._key(path)] = [stat.st_size, stat.st_mtime_ns]

    def close(self) -> None:
        """Write the manifest (atomically)."""
        if self.manifest:
            with atomic_write(osp.join(self.folder, MANIFEST)) as file:
                json.dump(self.manifest, file, indent=0, sort_keys=True)


def _read_manifest(path: str) -> Dict[str, List[int]]:
    """A manifest's entries; one that is unreadable or not ours is empty
    (so nothing in the folder counts as the project's)."""
    try:
        with open(path, encoding='utf-8') as file:
            entries = json.load(file)
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {
        k: v
        for k, v in entries.items()
        if isinstance(v, list) and len(v) == 2 and all(
            isinstance(n, int) for n in v)
    }
