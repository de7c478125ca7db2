"""Tools run in the tests' own process (fixtures.run_python) end as they
would in a fresh interpreter: each probe runs both ways and must print and
exit the same. (A KeyboardInterrupt, which ends a fresh interpreter by
SIGINT, and what a fresh interpreter imports are left to the tests that
start real processes.)"""
import contextlib
import io
import os
import signal
import subprocess
import sys

import pytest
from mmengine.logging import MMLogger

import fixtures
from fixtures import run_python

PROBE = '''
import os, sys
print(sys.argv, sys.path[0], os.getcwd(), os.environ.get('PROBE_VALUE'))
print(__name__, __file__)
print('to stderr', file=sys.stderr)
ENDING
'''

ENDINGS = {
    'exit 3':
    'sys.exit(3)',
    'exit -1':
    'sys.exit(-1)',
    'falls off the end':
    'pass',
    'exits with a message':
    "raise SystemExit('gave up')",
    'raises':
    "raise ValueError('bad value')",
    'own excepthook':
    "sys.excepthook = lambda *a: print('one line', "
    "file=sys.stderr)\nraise KeyError('x')",
    # conftest's default scope was the run's
    'reads the default scope':
    'from mmengine.registry import DefaultScope\n'
    'print(DefaultScope.get_current_instance())',
    # the handler outlived the run, in this process
    'sets signal handlers':
    'import signal\nfor number in (signal.SIGTERM, signal.SIGHUP):\n'
    '    signal.signal(number, lambda *a: sys.exit(1))',
    # as MMEngine's runner does (a *_fast config's cudnn_benchmark)
    'changes process settings':
    'import cv2, multiprocessing, numpy, torch\ncv2.setNumThreads(1)\n'
    "multiprocessing.set_start_method('spawn', force=True)\n"
    'torch.backends.cudnn.benchmark = True\n'
    'torch.use_deterministic_algorithms(True)\n'
    'numpy.set_printoptions(precision=2)',
}


@pytest.mark.parametrize('ending', sorted(ENDINGS))
def test_a_probe_ends_as_in_a_fresh_interpreter(ending, tmp_path):
    script = tmp_path / 'tools' / 'probe.py'
    script.parent.mkdir()
    script.write_text(PROBE.replace('ENDING', ENDINGS[ending]))
    env = dict(os.environ, PROBE_VALUE='42')
    hook = sys.excepthook
    handlers = [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)]
    settings = fixtures._process_settings()
    in_process = run_python(script, 'one', 'two', cwd=tmp_path, env=env)
    fresh = subprocess.run(
        [sys.executable, '-W', 'ignore', script, 'one', 'two'],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env)
    assert (in_process.returncode, in_process.stdout,
            in_process.stderr) == (fresh.returncode, fresh.stdout,
                                   fresh.stderr)
    # and this process is as it was
    assert sys.excepthook is hook and 'PROBE_VALUE' not in os.environ
    assert os.getcwd() != str(tmp_path)
    assert handlers == [
        signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)
    ]
    assert fixtures._process_settings() == settings


def test_a_logger_the_test_made_does_not_take_the_runs_lines(tmp_path):
    """A test that calls MMEngine makes a logger bound to its own captured
    stream; a fresh interpreter has none, and prints the run's lines."""
    script = tmp_path / 'logs.py'
    script.write_text('from mmengine.logging import print_log\n'
                      "print_log('logged by the tool', logger='current')\n")
    tests_stream = io.StringIO()
    with contextlib.redirect_stdout(tests_stream):
        logger = MMLogger.get_instance('a_tests_logger')  # now 'current'
    try:
        result = run_python(script)
    finally:
        del MMLogger._instance_dict['a_tests_logger']
        for handler in logger.handlers[:]:
            handler.close()
            logger.removeHandler(handler)
    assert 'logged by the tool' in result.stdout, result
    assert 'logged by the tool' not in tests_stream.getvalue()


def test_a_helper_beside_a_tool_is_that_tools(tmp_path):
    """Two tools, each importing the ``helper.py`` beside it (as
    ``pseudo_label.py`` imported ``predict.py``): each run gets its own, as
    a fresh interpreter does, not the one an earlier run imported."""
    outputs = []
    for version in ('first', 'second'):
        folder = tmp_path / version
        folder.mkdir()
        (folder / 'helper.py').write_text(f'VERSION = {version!r}\n')
        (folder /
         'tool.py').write_text('import helper\nprint(helper.VERSION)\n')
        outputs.append(run_python(folder / 'tool.py').stdout)
    assert outputs == ['first\n', 'second\n']
    assert 'helper' not in sys.modules
