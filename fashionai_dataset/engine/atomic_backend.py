"""A local file backend whose writes are atomic, for checkpoint saving.

MMEngine's ``LocalBackend.put`` writes the checkpoint bytes straight to the
final path, so a run killed during a save leaves a truncated ``epoch_N.pth``.
``AtomicLocalBackend`` writes to a temporary file beside it and renames it
over the target: a reader sees the old file, or the complete new one. The
configs select it with ``default_hooks.checkpoint.backend_args``.
"""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from fashionai_core.atomic import atomic_write


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """MMEngine's ``LocalBackend`` with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically (parents are created)."""
        with atomic_write(filepath, 'wb') as file:
            file.write(obj)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically (parents are created)."""
        with atomic_write(filepath, 'w', encoding=encoding) as file:
            file.write(obj)
