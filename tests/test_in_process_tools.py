"""Tools run in the tests' own process (fixtures.run_python) end as they
would in a fresh interpreter: each probe runs both ways and must print and
exit the same. (A KeyboardInterrupt, which ends a fresh interpreter by
SIGINT, and what a fresh interpreter imports are left to the tests that
start real processes.)"""
import os
import subprocess
import sys

import pytest

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
}


@pytest.mark.parametrize('ending', sorted(ENDINGS))
def test_a_probe_ends_as_in_a_fresh_interpreter(ending, tmp_path):
    script = tmp_path / 'tools' / 'probe.py'
    script.parent.mkdir()
    script.write_text(PROBE.replace('ENDING', ENDINGS[ending]))
    env = dict(os.environ, PROBE_VALUE='42')
    hook = sys.excepthook
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
