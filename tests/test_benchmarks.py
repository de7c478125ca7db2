"""Each benchmark of tools/analysis_tools run as a user runs it, at the
smallest sizes it takes, so that none rots between measurements: it exits
0 and prints its table, a number in every row. (benchmark_label_noise.py's
runs are in test_label_cleaning.py.)"""
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import List

import pytest

from fashionai_core.keypoints import CATEGORIES
from conftest import built_once
from fixtures import REPO_ROOT, run_checked, run_python

TOOLS = REPO_ROOT / 'tools' / 'analysis_tools'
#: The accuracy and test-time benchmarks' protocol at its smallest: one
#: image per category and split, one epoch, 64 pixels.
EPOCH_PROTOCOL = ('--size', '64', '--epochs', '1', '--train-size', '1',
                  '--eval-size', '1')


def run_benchmark(name: str, *args) -> str:
    """Run ``tools/analysis_tools/NAME.py ARGS``; its stdout (it must exit
    0)."""
    return run_checked(TOOLS / f'{name}.py', *args).stdout


def table(stdout: str, first_header: str) -> List[List[str]]:
    """The rows (their cells) of the table whose header row begins with
    ``first_header``, in tabulate's ``github`` or ``simple`` format."""
    lines = stdout.splitlines()
    (start, ) = [
        i for i, line in enumerate(lines)
        if line.strip('| ').startswith(first_header + ' ')
    ]
    rows = []
    for line in lines[start + 2:]:
        if not line.strip():
            break
        if line.startswith('|'):
            rows.append([cell.strip() for cell in line.strip('|').split('|')])
        else:  # simple: cells under the dashes of the header's columns
            spans = [m.span() for m in re.finditer('-+', lines[start + 1])]
            rows.append([line[a:b].strip() for a, b in spans])
    assert rows, f'no rows under {first_header!r}'
    return rows


def number(cell: str) -> float:
    """The number a cell begins with (``12.3``, ``1.5%``, ``34.2 (1.2
    ms)``, ``1.43x``)."""
    match = re.match(r'-?\d+(\.\d+)?', cell)
    assert match, f'no number in {cell!r}'
    return float(match.group())


def assert_ne_rows(rows: List[List[str]], first: int) -> None:
    """Each row's NE cells, from column ``first``: per category a positive
    number (or ``-``, a category without a counted point), then overall a
    positive number."""
    for row in rows:
        *categories, overall = row[first:first + len(CATEGORIES) + 1]
        assert all(c == '-' or number(c) > 0 for c in categories), row
        assert number(overall) > 0, row


def test_benchmark_codec_runs_small():
    stdout = run_benchmark('benchmark_codec', '--rows', '5', '--sizes', '64')
    rows = table(stdout, 'codec')
    assert [row[0] for row in rows][:3] == [
        'MSRAHeatmap', 'MSRAHeatmap unbiased (DARK)', 'UDPHeatmap'
    ]
    assert len(rows) == 9 and all(len(row) == 3 for row in rows)
    errors = [[number(cell) for cell in row[1:]] for row in rows]
    assert all(e >= 0 for row in errors for e in row)
    # plain argmax loses a quarter-pixel grid's worth; DARK recovers most
    assert errors[0][0] > errors[1][0] > 0


def test_benchmark_load_runs_small(tmp_path):
    stdout = run_benchmark('benchmark_load', '--rows', '40', '--dataset-rows',
                           '10', '--work-dir', tmp_path)
    steps = re.findall(r'^(.+?)\s+(\d+\.\d+) s  max RSS\s+(\d+\.\d) MiB$',
                       stdout, re.MULTILINE)
    assert [step for step, _, _ in steps] == [
        'read annotation CSV', 'write submission CSV', 'read submission CSV',
        'evaluate_submission (validate + NE)',
        'FashionAIMetric.process, all samples',
        'FashionAIMetric.compute_metrics',
        'FashionAIDataset(category="all") load',
        'FashionAIDataset(category="blouse") load'
    ]
    assert all(float(rss) > 0 for _, _, rss in steps)
    assert re.search(r'NE \d+\.\d+% over \d+ points', stdout)
    assert re.search(r'tools/evaluate.py, whole process .* \d+\.\d+ s', stdout)
    assert '10 instances, 24 points each' in stdout


def test_benchmark_prepare_data_runs_small(tmp_path):
    stdout = run_benchmark('benchmark_prepare_data', '--work-dir',
                           tmp_path / 'new', '--train', '10', '--warm-up', '5',
                           '--shared', '2', '--test', '3', '3')
    match = re.search(
        r'prepare_data.py on 15 annotated rows \(2 repeated\) and 6 test '
        r'rows in 2 lists, content check on: (\d+\.\d) s wall, (\d+) MB peak',
        stdout)
    assert match, stdout[-2000:]
    assert float(match.group(1)) > 0 and int(match.group(2)) > 0


def test_benchmark_inference_runs_small():
    stdout = run_benchmark('benchmark_inference', '--configs',
                           'hrnet_w16_all_128_demo', '--size', '64',
                           '--batches', '1', '2', '--seconds', '0.01',
                           '--backends', 'pytorch', 'onnxruntime')
    rows = table(stdout, 'config')
    assert [row[1] for row in rows] == ['pytorch', 'onnxruntime']
    for row in rows:
        assert row[0] == 'hrnet_w16_all_128_demo' and number(row[2]) > 0
        # images per second (ms per image), batches 1 and 2
        assert all(number(cell) > 0 for cell in row[3:5]), row


@pytest.mark.slow
def test_benchmark_train_runs_small(tmp_path):
    """The CPU pair (the GPU pairs need CUDA): the demo config and its
    fast variant, one iteration each."""
    stdout = run_benchmark('benchmark_train', '--iters', '1',
                           '--images-per-category', '7', '--data',
                           tmp_path / 'data', '--work-dir', tmp_path / 'work')
    rows = table(stdout, 'config')
    assert [row[0] for row in rows
            ] == ['res18_all_128_demo', 'res18_all_128_demo_fast']
    for row in rows:
        # batch, img/s, s/iter, data_time, peak memory
        assert row[1] == '32', row
        assert all(number(cell) > 0 for cell in row[2:4]), row
        assert row[4].endswith('%') and row[5].endswith('MiB RSS'), row
    assert number(rows[1][6]) > 0 and rows[1][6].endswith('x')


def _run_accuracy(folder: Path) -> None:
    args = [arg if arg != '--size' else '--sizes' for arg in EPOCH_PROTOCOL
            ] + ['--data', folder / 'data', '--work-dir', folder / 'work']
    stdout = run_benchmark('benchmark_accuracy', *args)
    (folder / 'stdout.txt').write_text(stdout)


@pytest.fixture(scope='session')
def accuracy_run(tmp_path_factory):
    """benchmark_accuracy.py at its smallest, its two default configs, once
    per run: its data, work folder (the trained checkpoints) and stdout."""
    folder = built_once(tmp_path_factory, 'benchmark_accuracy', _run_accuracy)
    return SimpleNamespace(
        data=folder / 'data',
        work=folder / 'work',
        stdout=(folder / 'stdout.txt').read_text())


@pytest.mark.slow
def test_benchmark_accuracy_runs_small(accuracy_run):
    rows = table(accuracy_run.stdout, 'config')
    assert rows[0][0] == 'constant baseline'
    # each demo model: flip off and on, argmax+shift and unbiased decoding
    assert [row[:4] for row in rows[1:]
            ] == [[name, '64', flip, decoding]
                  for name in ('res18_all_128_demo', 'hrnet_w16_all_128_demo')
                  for decoding in ('argmax+shift', 'unbiased')
                  for flip in ('off', 'on')]
    assert_ne_rows(rows, 4)
    assert all(number(row[-1]) >= 0 for row in rows)  # training minutes


@pytest.mark.slow
def test_benchmark_tta_runs_small(accuracy_run, tmp_path):
    """On the accuracy benchmark's checkpoints: the same protocol, so it
    trains nothing."""
    work = tmp_path / 'work'
    shutil.copytree(accuracy_run.work, work)
    stdout = run_benchmark('benchmark_tta', *EPOCH_PROTOCOL, '--data',
                           accuracy_run.data, '--work-dir', work)
    assert 'training' not in stdout
    rows = table(stdout, 'test-time')
    views = ('flip', 'flip + 3 scales', 'flip + 3 scales + 3 rotations')
    assert [row[0] for row in rows] == [
        f'{name}: {view}'
        for name in ('res18_all_128_demo', 'hrnet_w16_all_128_demo')
        for view in views
    ] + [
        'res18_all_128_demo + hrnet_w16_all_128_demo: flip, heatmaps '
        'averaged', 'per-category choice on validation (flip)'
    ]
    assert_ne_rows(rows, 1)
    assert all(number(row[-1]) > 0 for row in rows[:-1])  # ms per image


@pytest.mark.slow
def test_benchmark_pseudo_labels_runs_small(accuracy_run, tmp_path):
    """Every row's checkpoint is one the accuracy benchmark trained (the
    demo's HRNet; a row whose checkpoint is in the work folder is not
    trained again, and training on pseudo-labels has its tests in
    test_pseudo_labels.py): tools/pseudo_label.py makes the three files,
    each row is tested, the labels scored."""
    (checkpoint, ) = (accuracy_run.work /
                      'hrnet_w16_all_128_demo@64').glob('epoch_*.pth')
    for row in 'abcde':
        (tmp_path / 'work' / row).mkdir(parents=True)
        (tmp_path / 'work' / row /
         'last_checkpoint').write_text(str(checkpoint))
    stdout = run_benchmark('benchmark_pseudo_labels', '--labelled', '1',
                           '--unlabelled', '1', '--val-size', '1',
                           '--test-size', '1', '--min-score', '0', '--data',
                           tmp_path / 'data', '--work-dir', tmp_path / 'work')
    for key in 'bcd':
        assert (tmp_path / 'work' / f'{key}_pseudo_labels.csv').is_file()
    rows = table(stdout, 'row')
    assert [row[0][:3] for row in rows] == [f'({key})' for key in 'abcde']
    assert_ne_rows(rows, 1)
    # the pseudo-labels' own NE and share of points kept, (b) to (d) only
    for row in rows[1:4]:
        assert number(row[-3]) > 0 and 0 < number(row[-2]) <= 100, row
    assert rows[0][-3:-1] == ['-', '-'] and rows[4][-3:-1] == ['-', '-']


@pytest.mark.parametrize('name', ['benchmark_accuracy', 'benchmark_tta'])
def test_a_benchmarks_json_is_never_its_config(name, tmp_path):
    """``--json`` naming a config the run trains (any spelling) is refused
    before anything runs, not written over it at the end."""
    config = tmp_path / 'mine.py'
    config.write_text('# my config\n')
    result = run_python(TOOLS / f'{name}.py', *EPOCH_PROTOCOL, '--configs',
                        config, config, '--json', f'{tmp_path}/./mine.py',
                        '--data', tmp_path / 'data', '--work-dir',
                        tmp_path / 'work')
    assert result.returncode == 1, result.stdout[-2000:]
    assert result.stderr.splitlines() == [
        f'error: {tmp_path}/./mine.py: is an input of this run ({config}); '
        'name another output'
    ]
    assert config.read_text() == '# my config\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['mine.py']


def test_a_benchmark_leaves_data_it_did_not_make(tmp_path):
    """``--data`` naming a folder of the user's: one line, nothing
    replaced."""
    data = tmp_path / 'photos'
    data.mkdir()
    (data / 'mine.jpg').write_bytes(b'mine')
    result = run_python(TOOLS / 'benchmark_accuracy.py', *EPOCH_PROTOCOL,
                        '--data', data, '--work-dir', tmp_path / 'work')
    assert result.returncode == 1, result.stdout[-2000:]
    (line, ) = result.stderr.splitlines()
    assert line.startswith(f'error: {data}'), line
    assert [p.name for p in data.iterdir()] == ['mine.jpg']
    assert (data / 'mine.jpg').read_bytes() == b'mine'
