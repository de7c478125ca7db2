"""Write files so that a reader never sees them half-written."""
import contextlib
import os
import tempfile
from typing import IO, Iterator, Union


@contextlib.contextmanager
def atomic_write(path: Union[str, os.PathLike],
                 mode: str = 'w',
                 **open_kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it to ``path`` on success.

    If the body raises, the temporary file is removed and an existing ``path``
    is left untouched.

    Args:
        path: The file to (re)write.
        mode: ``'w'`` for text or ``'wb'`` for bytes.
        **open_kwargs: Passed to :func:`open` (e.g. ``newline=''``).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(
        prefix=f'.{os.path.basename(path)}.', suffix='.tmp', dir=directory)
    # mkstemp creates the file private (0600); give it the usual mode.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        with open(fd, mode, **open_kwargs) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp_path)
        raise
