"""What the pages name exists as named: every ``work_dirs/.../*.pth`` path
a doc shows is one that ``mim train`` (or the tool the doc runs) writes."""
import re

from mmengine.config import Config

from fixtures import BASE_CONFIG, DETECTOR_CONFIG, REPO_ROOT, run_python

PAGES = sorted([REPO_ROOT / 'README.md'] +
               list((REPO_ROOT / 'docs').glob('*.md')) +
               list(REPO_ROOT.glob('configs/**/README.md')) +
               list(REPO_ROOT.glob('projects/**/README.md')))
CHECKPOINT = re.compile(r'work_dirs/[^\s`\'")]*\.pth')
#: The work folder a page names for a run (``--work-dir``, ``work_dir=``).
WORK_DIR = re.compile(r'(?:--work-dir[ =]|work_dir=)work_dirs/([\w.-]+)')


def save_best_keys():
    """The ``save_best`` of every shipped config family, as MMEngine's
    CheckpointHook puts it in a file name (``/`` -> ``_``)."""
    keys = set()
    for config in (BASE_CONFIG, DETECTOR_CONFIG):
        hook = Config.fromfile(config).default_hooks.checkpoint
        keys.add(hook.save_best.replace('/', '_'))
    return keys


def test_every_checkpoint_path_a_page_names_is_one_a_run_writes():
    stems = {p.stem
             for p in REPO_ROOT.glob('configs/**/*.py')} | {
                 p.stem
                 for p in REPO_ROOT.glob('projects/*/configs/*.py')
             } | {'demo'}  # tools/demo.py's --work-dir default
    names = re.compile(
        r'(best_(%s)_epoch_(N|\d+)|best_\*|epoch_(N|\d+))\.pth' %
        '|'.join(save_best_keys()))
    wrong = []
    for page in PAGES:
        text = page.read_text()
        folders = stems | set(WORK_DIR.findall(text))
        for path in CHECKPOINT.findall(text):
            parts = path.split('/')
            if len(parts) == 2:  # a file a merge command of the page writes
                merge = rf'merge\w*checkpoints\.py[^\n]*\\\n[^\n]* {path}\n'
                if not re.search(merge, text):
                    wrong.append(f'{page.name}: {path}')
            elif len(parts) != 3 or parts[1] not in folders or (
                    not names.fullmatch(parts[2])):
                wrong.append(f'{page.name}: {path}')
    assert not wrong, wrong
    assert len(PAGES) > 10


def test_the_check_catches_what_mim_train_does_not_write(tmp_path):
    """The names above are MMEngine's: a ``best.pth`` would not match."""
    pattern = re.compile(r'best_(%s)_epoch_(N|\d+)\.pth' %
                         '|'.join(save_best_keys()))
    assert pattern.fullmatch('best_fashionai_NE_epoch_12.pth')
    assert not pattern.fullmatch('best.pth')


SHELL_BLOCK = re.compile(r'```(?:bash|sh|shell)\n(.*?)```', re.DOTALL)


def documented_commands():
    """Every command line of the pages' shell blocks, continuation lines
    joined, with its page."""
    for page in PAGES:
        for block in SHELL_BLOCK.findall(page.read_text()):
            for line in block.replace('\\\n', ' ').splitlines():
                line = line.split('  #')[0].strip()
                if line and not line.startswith('#'):
                    yield page, line


def test_every_documented_command_names_real_scripts_configs_options():
    """The pages' shell blocks: each ``python SCRIPT`` exists and takes
    every option the page gives it (its ``--help`` lists them), each
    ``mim train|test mmpose CONFIG`` names a shipped config."""
    options = {}
    wrong = []
    for page, line in documented_commands():
        words = line.replace('[', ' ').replace(']', ' ').split()
        if words[:1] == ['mim'] and words[1:2] in (['train'], ['test']):
            config = words[3]
            if not (REPO_ROOT / config).is_file():
                wrong.append(f'{page.name}: {line}: no {config}')
            continue
        if words[:1] != ['python'] or not words[1].endswith('.py'):
            continue
        script = REPO_ROOT / words[1]
        if not script.is_file():
            wrong.append(f'{page.name}: {line}: no {words[1]}')
            continue
        if script not in options:
            result = run_python(script, '--help')
            assert result.returncode == 0, (script, result.stderr[-2000:])
            options[script] = set(re.findall(r'--[\w-]+', result.stdout))
        for word in words[2:]:
            option = word.split('=')[0].rstrip(',|')
            if option.startswith('--') and option not in options[script]:
                wrong.append(f'{page.name}: {line}: {option}')
    assert not wrong, wrong
    assert len(options) >= 15
