"""Run a tool as ``python [flags] TOOL ARGS`` from an interpreter that has
already imported the third-party stack (torch, torchvision, MMEngine, cv2,
numpy, scipy), by forking it once per run.

A fresh interpreter spends about 4 of a tool's 5 seconds here importing
that stack; the suite starts a few hundred tools. The fork is a real
process with its own working folder, environment, argv, ``sys.path[0]``,
standard streams and exit status, running the tool as ``__main__`` as
Python would; only the third-party modules above are already in
``sys.modules``. This project's packages, MMPose, MMDet and mmcv are
imported by the tool itself, in its own order, as for a user (the plugin
must close mmcv's gaps before MMPose imports, and a tool that forgets to
import the plugin must still fail). Runs that need a truly fresh
interpreter fall back to one (see :meth:`WarmPython.run`).

Run as a script, this module is the server: it imports the stack, then
forks one child per request received on its Unix socket.
"""
import json
import locale
import os
import signal
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

#: Imported once by the server; none of them starts a thread (which a fork
#: would not copy) or imports mmcv, MMPose or this project.
PRELOADED = ('numpy', 'cv2', 'PIL.Image', 'scipy.stats', 'torch',
             'torchvision', 'mmengine.config', 'mmengine.dataset',
             'mmengine.evaluator', 'mmengine.hooks', 'mmengine.model',
             'mmengine.optim', 'mmengine.registry', 'mmengine.runner',
             'mmengine.structures', 'tabulate', 'tqdm', 'filelock')
#: Variables read when an interpreter or the stack starts: a run whose
#: environment differs from the server's in one of them gets a fresh one.
STARTUP_VARIABLES = ('PYTHON', 'OMP_', 'MKL_', 'OPENBLAS_', 'KMP_', 'TORCH',
                     'CUDA', 'LD_', 'MPL', 'OPENCV')
#: Set it to 1 to start every tool in a fresh interpreter.
FRESH_VARIABLE = 'FASHIONAI_TESTS_FRESH_PYTHON'


def _startup_environment(env: Mapping[str, str]) -> Dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(STARTUP_VARIABLES)}


class WarmPython:
    """Servers, one per set of interpreter flags (``-W ignore`` or none),
    started on first use and stopped when this process exits."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.servers: Dict[tuple, Optional[tuple]] = {}
        self.lock = threading.Lock()
        #: Why runs start fresh interpreters, once a server could not start.
        self.why_fresh: Optional[str] = None

    def warm(self) -> bool:
        """Whether runs with the default environment and ``-W ignore`` go
        through a warm server (starting it if need be)."""
        return (os.environ.get(FRESH_VARIABLE) != '1' and self._server(
            ('-W', 'ignore')) is not None)

    def run(self,
            args: Sequence[str],
            cwd: Path,
            env: Optional[Dict[str, str]] = None,
            timeout: Optional[float] = None) -> subprocess.CompletedProcess:
        """``subprocess.run([sys.executable, *args], capture_output=True,
        text=True, cwd=cwd, env=env, timeout=timeout)`` (a run past
        ``timeout`` seconds is killed and raises ``TimeoutExpired``),
        through a warm server when it would behave the same: ``args`` are
        ``[-W ignore] SCRIPT|-c CODE ...``, ``env`` (default: this
        process's) agrees with the server's on :data:`STARTUP_VARIABLES`,
        and ``FASHIONAI_TESTS_FRESH_PYTHON`` is not 1. Otherwise a fresh
        interpreter runs it."""
        args = [str(a) for a in args]
        command = [sys.executable] + args
        env = dict(os.environ if env is None else env)
        flags = tuple(args[:2]) if args[:2] == ['-W', 'ignore'] else ()
        program = args[len(flags):]
        warm = (
            os.environ.get(FRESH_VARIABLE) != '1' and program
            and (program[0] == '-c' or not program[0].startswith('-')))
        server = self._server(flags) if warm else None
        if server is None or _startup_environment(env) != server[2]:
            return subprocess.run(
                command,
                capture_output=True,
                text=True,
                cwd=cwd,
                env=env,
                timeout=timeout)
        if not os.path.isdir(cwd):  # as subprocess raises it
            raise FileNotFoundError(f'No such directory: {str(cwd)!r}')
        with self.lock, open(os.devnull, 'rb') as null, \
                socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
            conn.connect(server[1])
            request = json.dumps(dict(argv=program, cwd=str(cwd), env=env))
            # pipes, as subprocess: the output ends when every process
            # holding them (the tool's own children too) has closed them
            pipes = [os.pipe(), os.pipe()]
            readers = [_Reader(read) for read, _ in pipes]
            socket.send_fds(conn, [request.encode()],
                            [null.fileno()] + [write for _, write in pipes])
            for _, write in pipes:
                os.close(write)
            pid = self._receive(conn)
            conn.settimeout(timeout)
            try:
                status = self._receive(conn)
                for reader in readers:
                    reader.join(timeout)
            except socket.timeout:
                status = None
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass  # it ended as the time ran out
                conn.settimeout(None)
                self._receive(conn)  # the server has waited for it
            if status is None or any(r.is_alive() for r in readers):
                # bytes, as subprocess.run gives them on a timeout
                raise subprocess.TimeoutExpired(
                    command, timeout, *[b''.join(r.chunks) for r in readers])
        return subprocess.CompletedProcess(
            command, os.waitstatus_to_exitcode(status),
            *[reader.text() for reader in readers])

    def _receive(self, conn: socket.socket) -> int:
        """The server's next number for this run: the child's pid, then
        its wait status."""
        answer = conn.recv(64)
        if not answer:
            raise RuntimeError(
                f'warm_python: the server died; see {self.folder}')
        return int(answer)

    def _server(self, flags: tuple) -> Optional[tuple]:
        """The running server for ``flags``, started if need be; ``None``
        where it cannot serve (it failed to start, or the stack started a
        thread on import, which forking would lose)."""
        with self.lock:
            if flags not in self.servers:
                self.servers[flags] = self._start(flags)
            return self.servers[flags]

    def _start(self, flags: tuple) -> Optional[tuple]:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = str(self.folder / f'warm{len(self.servers)}.sock')
        with open(self.folder / f'warm{len(self.servers)}.log', 'w') as log:
            process = subprocess.Popen(
                [sys.executable, *flags, __file__, path],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True)
        answer = process.stdout.readline().strip()
        if answer != 'ready':
            process.kill()
            process.wait()
            self.why_fresh = (
                'the stack starts threads on import, which a fork would not '
                'copy (OMP_NUM_THREADS=1, as under pytest-xdist, avoids it)'
                if answer == 'threads' else f'no server (see {log.name})')
            warnings.warn(f'warm_python: tools start fresh: {self.why_fresh}')
            return None
        return process, path, _startup_environment(os.environ)

    def close(self) -> None:
        """Stop the servers (their children have all been waited for)."""
        for server in self.servers.values():
            if server:
                server[0].kill()
                server[0].wait()


class _Reader(threading.Thread):
    """Reads one pipe to its end, as ``subprocess.run`` does."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.chunks: List[bytes] = []
        self.start()

    def run(self) -> None:
        with open(self.fd, 'rb', buffering=0) as pipe:
            for chunk in iter(lambda: pipe.read(1 << 16), b''):
                self.chunks.append(chunk)

    def text(self) -> str:
        """What was read, decoded as subprocess's text mode decodes: the
        locale's encoding (strict), universal newlines."""
        return b''.join(self.chunks).decode(
            locale.getpreferredencoding(False)).replace('\r\n', '\n').replace(
                '\r', '\n')


def _serve(path: str) -> None:
    import importlib
    for name in PRELOADED:
        importlib.import_module(name)
    if len(os.listdir('/proc/self/task')) != 1:
        print('threads', flush=True)  # not forkable: the client goes fresh
        return
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(path)
    server.listen()
    server.settimeout(2.0)
    client = os.getppid()
    print('ready', flush=True)
    sys.stderr.flush()
    while os.getppid() == client:  # a client that died leaves no server
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        pid = os.fork()
        if pid == 0:
            server.close()
            conn.close()
            _run_child(json.loads(message), fds)
        for fd in fds:
            os.close(fd)
        try:
            conn.send(str(pid).encode())
        except OSError:
            pass
        _, status = os.waitpid(pid, 0)
        try:
            conn.send(str(status).encode())
        except OSError:
            pass  # a client that gave up on the run
        conn.close()


def _run_child(request: dict, fds: List[int]) -> None:
    """Become ``python [flags] ARGV`` in the request's folder and
    environment; never returns."""
    import atexit
    import builtins
    import importlib.machinery
    import io
    import random
    import tempfile
    import types

    import numpy
    import torch
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request['cwd'])
    os.environ.clear()
    os.environ.update(request['env'])
    tempfile.tempdir = None  # the run's TMPDIR, not the server's
    # each fresh interpreter draws its own seeds (mmengine's unseeded runs
    # take theirs from numpy)
    random.seed()
    numpy.random.seed()
    torch.seed()
    argv = request['argv']
    sys.orig_argv = [sys.executable] + sys.orig_argv[1:-2] + argv
    main = types.ModuleType('__main__')
    main.__builtins__ = builtins
    sys.modules['__main__'] = main
    code, interrupted = 0, False
    try:
        if argv[0] == '-c':
            sys.argv = ['-c'] + argv[2:]
            sys.path[0] = ''
            source, filename = argv[1], '<string>'
        else:
            sys.argv = argv
            filename = os.path.abspath(argv[0])
            sys.path[0] = os.path.dirname(os.path.realpath(argv[0]))
            main.__file__ = filename
            main.__loader__ = importlib.machinery.SourceFileLoader(
                '__main__', filename)
            with io.open_code(filename) as file:
                source = file.read()
        exec(compile(source, filename, 'exec'), main.__dict__)
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            code = exit.code or 0
        else:
            print(exit.code, file=sys.stderr)
            code = 1
    except BaseException as error:
        # the default hook prints the exception's own traceback
        error.__traceback__ = _tool_frames(error.__traceback__)
        sys.excepthook(type(error), error, error.__traceback__)
        code = 1
        # an interrupted Python ends killed by SIGINT, as the shell expects
        interrupted = isinstance(error, KeyboardInterrupt)
    try:
        threading._shutdown()  # as the interpreter waits for its threads
        atexit._run_exitfuncs()
        # as the interpreter's shutdown: the tool's globals go, and with
        # them its open files (flushed) and temporary files (deleted)
        main.__dict__.clear()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        if interrupted:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        os._exit(code)


def _tool_frames(traceback):
    """``traceback`` without this module's frames, which a fresh
    interpreter's traceback would not have."""
    while traceback and traceback.tb_frame.f_code.co_filename == __file__:
        traceback = traceback.tb_next
    return traceback


if __name__ == '__main__':
    _serve(sys.argv[1])
