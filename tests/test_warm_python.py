"""The warm tool runner (tests/warm_python.py) behaves as a fresh
interpreter: each probe runs both ways and must print, write and exit the
same; only the preloaded third-party modules may differ."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warm_python import FRESH_VARIABLE

from fixtures import REPO_ROOT, WARM_PYTHON, run_python

PROBE = '''
import atexit, os, sys, threading, time
print(sys.argv, sys.path[0], os.getcwd(), os.environ.get('PROBE_VALUE'))
print(__name__, __file__ if '__file__' in globals() else None)
print(sorted(m for m in ('mmpose', 'mmcv', 'mmdet', 'fashionai_core',
                         'fashionai_dataset') if m in sys.modules))
atexit.register(lambda: print('atexit ran'))
threading.Thread(target=lambda: (time.sleep(0.2), print('thread done'))
                 ).start()
print('to stderr', file=sys.stderr)
ENDING
'''

ENDINGS = {
    'exit 3': 'sys.exit(3)',
    'falls off the end': 'pass',
    'exits with a message': "raise SystemExit('gave up')",
    'raises': "raise ValueError('bad value')",
    'own excepthook': "sys.excepthook = lambda *a: print('one line', "
    "file=sys.stderr)\nraise KeyError('x')",
    'interrupted': 'raise KeyboardInterrupt',
    'exit -1': 'sys.exit(-1)',
}


def fresh(args, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-W', 'ignore'] + [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env)


@pytest.mark.parametrize('ending', sorted(ENDINGS))
@pytest.mark.parametrize('how', ['script', '-c'])
def test_a_probe_runs_as_in_a_fresh_interpreter(how, ending, tmp_path):
    code = PROBE.replace('ENDING', ENDINGS[ending])
    script = tmp_path / 'tools' / 'probe.py'
    script.parent.mkdir()
    script.write_text(code)
    args = [script, 'one', 'two'] if how == 'script' else ['-c', code, 'x']
    env = dict(os.environ, PROBE_VALUE='42')
    warm = run_python(*args, cwd=tmp_path, env=env)
    expected = fresh(args, cwd=tmp_path, env=env)
    assert (warm.returncode, warm.stdout,
            warm.stderr) == (expected.returncode, expected.stdout,
                             expected.stderr)
    assert 'thread done' in warm.stdout and 'atexit ran' in warm.stdout


def test_it_is_warm_unless_the_start_would_differ(tmp_path, monkeypatch):
    if not WARM_PYTHON.warm():
        pytest.skip('tools start fresh here: ' +
                    (WARM_PYTHON.why_fresh or f'{FRESH_VARIABLE}=1'))
    check = '-c', "import sys; print('torch' in sys.modules)"
    assert run_python(*check).stdout == 'True\n'
    # a variable read at start-up gets a fresh interpreter, as asked
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    assert run_python(*check, env=env).stdout == 'False\n'
    monkeypatch.setenv(FRESH_VARIABLE, '1')
    assert run_python(*check).stdout == 'False\n'


def test_a_tool_imports_the_project_itself(tmp_path):
    """A tool that uses MMPose without importing the plugin fails warm as
    it fails fresh: nothing of MMPose or this project is preloaded."""
    code = 'from mmpose.apis import init_model'
    warm = run_python('-c', code, cwd=tmp_path)
    expected = fresh(['-c', code], cwd=tmp_path)
    assert warm.returncode == expected.returncode == 1
    assert warm.stderr.splitlines()[-1] == expected.stderr.splitlines()[-1]
    assert "No module named 'mmcv._ext'" in warm.stderr


END_OF_RUN = '''
import os, pickle, subprocess, sys, tempfile
import numpy, torch
class Record:
    pass
print(tempfile.gettempdir(), numpy.random.randint(1 << 30),
      torch.initial_seed())
log = open(sys.argv[1], 'w')
log.write('written at exit')  # never flushed: the shutdown must do it
kept = tempfile.NamedTemporaryFile(dir=sys.argv[2])
import atexit
atexit.register(lambda: print(len(pickle.dumps(Record())) > 0))
subprocess.Popen(['sleep', '1'])  # holds the output pipes one second
'''


def test_the_end_of_a_run_is_a_fresh_interpreters(tmp_path):
    """Unflushed files are written, temporary files deleted, classes of
    the tool still pickle at exit, the run's TMPDIR counts, seeds differ
    from run to run, and a child left running holds the output open, as
    it holds subprocess.run's."""
    script = tmp_path / 'end.py'
    script.write_text(END_OF_RUN)
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    runs = []
    for number in range(2):
        started = time.monotonic()
        result = run_python(
            script, tmp_path / f'log{number}', scratch, env=env)
        assert time.monotonic() - started >= 1, 'the sleep was not waited'
        assert result.returncode == 0, result.stderr
        runs.append(result.stdout.split())
        assert (tmp_path / f'log{number}').read_text() == 'written at exit'
    assert [run[0] for run in runs] == [str(scratch)] * 2
    assert runs[0][1:3] != runs[1][1:3], 'two runs drew the same seeds'
    assert [run[3] for run in runs] == ['True'] * 2
    assert not list(scratch.iterdir())


def test_a_killed_tool_reports_the_signal(tmp_path):
    code = 'import os, signal; os.kill(os.getpid(), signal.SIGTERM)'
    assert run_python('-c', code).returncode == -15 == fresh(
        ['-c', code], cwd=tmp_path).returncode


def test_a_run_past_its_timeout_is_killed():
    code = 'import time; print("started", flush=True); time.sleep(60)'
    with pytest.raises(subprocess.TimeoutExpired) as expired:
        run_python('-c', code, timeout=3)
    assert expired.value.output == b'started\n'  # bytes, as subprocess
    # the server serves the next run
    assert run_python('-c', 'print(1)').stdout == '1\n'


def test_the_servers_live_in_their_own_folder():
    assert Path(WARM_PYTHON.folder).is_dir()
    assert not list(REPO_ROOT.glob('*.sock'))


# MIM's scripts (tests/warm_mim.py), with a stand-in that starts them as
# MIM does: check_output for `-h`, then check_call with MIM's environment

STAND_IN_MIM = '''
import os, subprocess, sys
script = sys.argv[1]
print('help:', subprocess.check_output([sys.executable, script, '-h']))
env = dict(os.environ, MASTER_PORT='1234')
try:
    print('exit', subprocess.check_call([sys.executable, script, 'run'],
                                        env=env))
except subprocess.CalledProcessError as error:
    print('failed with', error.returncode)
print(subprocess.check_output([sys.executable, '-c', 'print(6 * 7)']))
'''

SCRIPT = '''
import os, sys
print(sys.argv[1:], os.getcwd(), os.environ.get('MASTER_PORT'))
print('warm' if 'torch' in sys.modules else 'fresh')
print('to stderr', file=sys.stderr)
sys.exit(int(os.environ.get('EXIT', 0)) if sys.argv[1] == 'run' else 0)
'''


@pytest.mark.parametrize('exit_code', [0, 3])
def test_the_scripts_mim_starts_run_warm(tmp_path, exit_code):
    """Python scripts MIM starts run in the warm server, with MIM's folder,
    environment, streams and exit status; other commands start as MIM
    starts them (a fresh interpreter here)."""
    socket_path = WARM_PYTHON.serving()
    if socket_path is None:
        pytest.skip('tools start fresh here: ' +
                    (WARM_PYTHON.why_fresh or f'{FRESH_VARIABLE}=1'))
    (tmp_path / 'mim').write_text(STAND_IN_MIM)
    (tmp_path / 'train.py').write_text(SCRIPT)
    env = dict(os.environ, EXIT=str(exit_code))
    result = WARM_PYTHON.run([
        REPO_ROOT / 'tests' / 'warm_mim.py', socket_path, tmp_path / 'mim',
        'train.py'
    ],
                             cwd=tmp_path,
                             env=env)
    assert result.returncode == 0, result.stderr
    help_output = f"['-h'] {tmp_path} None\nwarm\n".encode()
    assert result.stdout.splitlines() == [
        f'help: {help_output!r}', f"['run'] {tmp_path} 1234", 'warm',
        f'failed with {exit_code}' if exit_code else 'exit 0', "b'42\\n'"
    ]
    assert result.stderr == 'to stderr\n' * 2
