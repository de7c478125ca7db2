"""Run a tool as ``python [flags] TOOL ARGS`` from an interpreter that has
already imported the third-party stack (torch, torchvision, MMEngine, cv2,
numpy, scipy), by forking it once per run.

A fresh interpreter spends about 4 of a tool's 5 seconds here importing
that stack; the suite starts a few hundred tools. The fork is a real
process with its own working folder, environment, argv, ``sys.path[0]``,
standard streams and exit status, running the tool as ``__main__`` as
Python would; only the third-party modules above are already in
``sys.modules``. This project's packages, MMPose, MMDet and mmcv are
imported by the tool itself, in its own order, as for a user
(``fashionai_patches`` must close mmcv's gaps before MMPose imports, and a
tool that forgets to import it must still fail). Runs that need a truly fresh
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

    def serving(self,
                env: Optional[Mapping[str, str]] = None) -> Optional[str]:
        """The socket of the server for runs without interpreter flags, if
        a run with ``env`` (default: this process's) would go to it."""
        if os.environ.get(FRESH_VARIABLE) == '1':
            return None
        server = self._server(())
        if server is None or _startup_environment(os.environ if env is
                                                  None else env) != server[2]:
            return None
        return server[1]

    def connect(self, path: str) -> None:
        """Send runs without interpreter flags to the running server at
        ``path`` (another client's), whose start-up environment this
        process has."""
        self.servers[()] = (None, path, _startup_environment(os.environ))

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
        result = self.run_bytes(args, cwd, env, timeout)
        return subprocess.CompletedProcess(
            result.args, result.returncode,
            *[_decoded(output) for output in (result.stdout, result.stderr)])

    def run_bytes(self,
                  args: Sequence[str],
                  cwd: Path,
                  env: Optional[Dict[str, str]] = None,
                  timeout: Optional[float] = None,
                  stdout: Optional[int] = None,
                  stderr: Optional[int] = None) -> subprocess.CompletedProcess:
        """:meth:`run` with bytes; ``stdout`` / ``stderr``: a file
        descriptor the run writes to instead of being captured (its output
        is then ``None``), as ``subprocess.run``'s."""
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
                stdout=subprocess.PIPE if stdout is None else stdout,
                stderr=subprocess.PIPE if stderr is None else stderr,
                stdin=subprocess.DEVNULL,
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
            pipes = [
                None if fd is not None else os.pipe()
                for fd in (stdout, stderr)
            ]
            readers = [pipe and _Reader(pipe[0]) for pipe in pipes]
            socket.send_fds(conn, [request.encode()], [null.fileno()] + [
                fd if pipe is None else pipe[1]
                for fd, pipe in zip((stdout, stderr), pipes)
            ])
            for pipe in pipes:
                if pipe:
                    os.close(pipe[1])
            readers = [reader for reader in readers if reader]
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
            outputs = iter([b''.join(reader.chunks) for reader in readers])
            outputs = [
                None if fd is not None else next(outputs)
                for fd in (stdout, stderr)
            ]
            if status is None or any(r.is_alive() for r in readers):
                # bytes, as subprocess.run gives them on a timeout
                raise subprocess.TimeoutExpired(command, timeout, *outputs)
        return subprocess.CompletedProcess(command,
                                           os.waitstatus_to_exitcode(status),
                                           *outputs)

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
            if server and server[0]:
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


def _decoded(output: Optional[bytes]) -> Optional[str]:
    """Output decoded as subprocess's text mode decodes it: the locale's
    encoding (strict), universal newlines."""
    if output is None:
        return None
    return output.decode(locale.getpreferredencoding(False)).replace(
        '\r\n', '\n').replace('\r', '\n')


def _serve(path: str) -> None:
    import importlib
    import select
    for name in PRELOADED:
        importlib.import_module(name)
    if len(os.listdir('/proc/self/task')) != 1:
        print('threads', flush=True)  # not forkable: the client goes fresh
        return
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(path)
    server.listen()
    # several runs at once (a warm `mim` asks for its own train.py): an
    # ended child wakes the loop through a pipe
    woken, wake = os.pipe()
    os.set_blocking(woken, False)
    os.set_blocking(wake, False)
    signal.set_wakeup_fd(wake)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    running: Dict[int, socket.socket] = {}
    client = os.getppid()
    print('ready', flush=True)
    sys.stderr.flush()
    while os.getppid() == client:  # a client that died leaves no server
        ready, _, _ = select.select([server, woken], [], [], 2.0)
        if woken in ready:
            while True:
                try:
                    os.read(woken, 512)
                except BlockingIOError:
                    break
        _report_ended(running)
        if server not in ready:
            continue
        conn, _ = server.accept()
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for end in [server, conn, *running.values()]:
                end.close()
            os.close(woken)
            os.close(wake)
            _run_child(json.loads(message), fds)
        for fd in fds:
            os.close(fd)
        try:
            conn.send(str(pid).encode())
        except OSError:
            pass
        running[pid] = conn
        _report_ended(running)


def _report_ended(running: Dict[int, socket.socket]) -> None:
    """Send each ended child's wait status to its client."""
    for pid in list(running):
        ended, status = os.waitpid(pid, os.WNOHANG)
        if not ended:
            continue
        conn = running.pop(pid)
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
