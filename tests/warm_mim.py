"""Run ``mim ARGS`` so that the Python scripts MIM starts (MMPose's
``tools/train.py`` and ``tools/test.py``, and ``train.py -h``) run warm.

Usage (through :class:`warm_python.WarmPython`, as the tests'
``fixtures.mim`` runs it)::

    python tests/warm_mim.py SOCKET MIM ARGS...

MIM starts each script as ``subprocess.check_call([sys.executable, SCRIPT,
...])`` (``check_output`` for ``-h``). Here those two calls send such a
command to the warm server at ``SOCKET`` instead, with the same working
folder, environment, standard streams and exit status; anything else
(``python -m torch.distributed.launch``, other programs) starts as MIM
starts it. MIM itself runs as its console script would: ``MIM`` as
``__main__``, ``sys.argv[0]`` and ``sys.path[0]`` its own.
"""
import os
import runpy
import subprocess
import sys
from pathlib import Path

from warm_python import WarmPython, _startup_environment


def forwarded(command, kwargs: dict) -> bool:
    """Whether a command MIM runs is a Python script the server can run as
    a fresh interpreter would."""
    return (isinstance(command, list) and len(command) >= 2
            and command[0] == sys.executable
            and not str(command[1]).startswith('-') and set(kwargs) <= {'env'}
            and _startup_environment(kwargs.get('env') or os.environ)
            == _startup_environment(os.environ))


def main() -> None:
    socket_path, mim_script, *args = sys.argv[1:]
    warm = WarmPython(Path(socket_path).parent)
    warm.connect(socket_path)

    def forwarding(start, captured: bool):
        """``start`` (check_call, or check_output when ``captured``) with
        the Python scripts it would start sent to the warm server."""

        def call(command, **kwargs):
            if not forwarded(command, kwargs):
                return start(command, **kwargs)
            sys.stdout.flush()
            sys.stderr.flush()
            result = warm.run_bytes(
                command[1:],
                os.getcwd(),
                kwargs.get('env'),
                stdout=None if captured else 1,
                stderr=2)
            if result.returncode:
                raise subprocess.CalledProcessError(result.returncode, command,
                                                    result.stdout)
            return result.stdout if captured else 0

        return call

    subprocess.check_call = forwarding(subprocess.check_call, False)
    subprocess.check_output = forwarding(subprocess.check_output, True)
    sys.argv = [mim_script] + args
    sys.path[0] = os.path.dirname(os.path.realpath(mim_script))
    runpy.run_path(mim_script, run_name='__main__')


if __name__ == '__main__':
    main()
