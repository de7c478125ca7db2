"""docs/bad_input.md's rows that an earlier reading found false, each run
through the tool as a user runs it."""
import os
import subprocess
import sys

from test_untrusted_files import png_claiming

from fixtures import (REPO_ROOT, TOOLS, one_error_line, run_checked,
                      run_python, set_cells, write_csv, write_split,
                      write_test_list)


def test_a_bad_cell_is_one_error_line_in_every_csv_tool(tmp_path):
    csv = write_split(tmp_path / 'train', ['blouse'], 3)
    bad = set_cells(csv, 2, {3: '10_inf_1'}, tmp_path / 'bad.csv')
    test_list = write_test_list(csv, tmp_path / 'test.csv')
    expected = (f'error: {bad}, line 3, column 4 (neckline_right): cell '
                "'10_inf_1' is not x_y_v: x and y must be integers and v an "
                'integer')
    for tool, args in (('constant_baseline.py',
                        [bad, test_list, tmp_path / 'out.csv']),
                       ('fit_shape_model.py',
                        [bad, '--out', tmp_path / 'shape.npz'])):
        assert one_error_line(run_python(TOOLS / tool, *args)) == expected
    assert not (tmp_path / 'out.csv').exists()


def test_a_cell_over_the_field_limit_stops_every_reader(tmp_path):
    csv = write_split(tmp_path / 'train', ['blouse'], 2)
    long = set_cells(csv, 2, {0: 'Images/blouse/' + 'a' * 140_000 + '.jpg'},
                     tmp_path / 'long.csv')  # unquoted
    for tool, args in (('constant_baseline.py',
                        [csv, long,
                         tmp_path / 'out.csv']), ('evaluate.py', [long, csv])):
        line = one_error_line(run_python(TOOLS / tool, *args))
        assert line.startswith(
            f'error: {long}, line 3: unreadable CSV (field larger than '
            'field limit'), line[:300]
    assert not (tmp_path / 'out.csv').exists()


def test_evaluate_into_head_prints_one_line_and_no_traceback(tmp_path):
    """The status is 0 or 141, whichever side of the pipe is quicker."""
    csv = write_split(tmp_path / 'val', ['blouse'], 2)
    result = subprocess.run(
        [
            'bash', '-c',
            f'"$0" {TOOLS / "evaluate.py"} {csv} {csv} | head -1; '
            'echo "status ${PIPESTATUS[0]}"'
        ] + [str(REPO_ROOT / '.venv' / 'bin' / 'python')],
        capture_output=True,
        text=True)
    first, status = result.stdout.splitlines()
    assert first == 'NE: 0.000000' and status in ('status 0', 'status 141')
    assert result.stderr == ''


def test_a_tiny_png_claiming_20000x20000_gets_the_limits_message(tmp_path):
    """Pillow refuses it first, with its own limit: the message is ours."""
    train = tmp_path / 'train'
    csv = write_split(train, ['blouse'], 2)
    image = train / csv.read_text().splitlines()[1].split(',')[0]
    png_claiming(image, 20000, 20000)  # a PNG under a .jpg name
    result = run_checked(TOOLS / 'dataset_converters' / 'prepare_data.py',
                         train, '--out', tmp_path / 'out')
    assert (f'{image} claims more than 179 megapixels, over the 50-megapixel'
            ' limit; shrink it, or raise FASHIONAI_MAX_IMAGE_PIXELS'
            in result.stdout), result.stdout


def test_select_models_refuses_an_overall_ne_that_is_nan(tmp_path):
    truth = write_split(tmp_path / 'val', ['blouse'], 2)
    results = tmp_path / 'nan.json'
    results.write_text('{"NE": NaN, "NE/blouse": 5.0}')
    line = one_error_line(
        run_python(TOOLS / 'select_models.py', truth, '--model',
                   f'a={results}'))
    assert line == (f'error: {results} (NE): expected a finite NE in [0, '
                    '10000] percent, got nan')


def test_a_tools_warning_is_one_line(tmp_path):
    """A repeated row: one ``warning:`` line, not Python's warning format
    with its source location and a stray line of code."""
    csv = write_split(tmp_path / 'val', ['blouse'], 2)
    lines = csv.read_text().splitlines()
    repeated = tmp_path / 'repeated.csv'
    repeated.write_text('\n'.join(lines + lines[1:2]) + '\n')
    result = subprocess.run(
        [sys.executable,
         str(TOOLS / 'evaluate.py'), repeated, csv],
        capture_output=True,
        text=True,
        env={
            k: v
            for k, v in os.environ.items() if k != 'PYTHONWARNINGS'
        })
    assert result.returncode == 0, result.stderr
    (line, ) = [
        line for line in result.stderr.splitlines() if 'repeat' in line
    ]
    assert line.startswith(
        f'warning: {repeated}: 1 rows repeat'), result.stderr
    assert 'UserWarning' not in result.stderr
    assert 'read_fashionai_csv(' not in result.stderr


def test_an_output_named_as_an_existing_folder_is_refused(tmp_path):
    csv = write_split(tmp_path / 'train', ['blouse'], 2)
    folder = tmp_path / 'submission'
    folder.mkdir()
    line = one_error_line(
        run_python(TOOLS / 'constant_baseline.py', csv, csv, folder))
    assert line == f'error: {folder}: is a folder; name the file to write'
    assert list(folder.iterdir()) == []


def test_a_bug_keeps_its_traceback(tmp_path):
    """The one-line exit is for the project's own errors: a ValueError that
    Python or a library raises in a tool (``(best, ) = glob(...)`` finding
    nothing, a numpy shape) is a bug, shown with its traceback."""
    tool = ('import numpy as np\n'
            'from fashionai_core.cli import run_tool\n'
            'def main():\n'
            '    {}\n'
            'run_tool(main)\n')
    tool_path = tmp_path / 'tool.py'
    for bug, message in (('(best, ) = []', 'not enough values to unpack'),
                         ('np.zeros(3).reshape(2)', 'cannot reshape')):
        tool_path.write_text(tool.format(bug))
        result = run_python(tool_path)
        assert result.returncode == 1, result.stderr
        assert 'Traceback' in result.stderr and bug in result.stderr
        assert f'ValueError: {message}' in result.stderr
        assert 'error:' not in result.stderr
    tool_path.write_text(tool.format("raise ValueError('x.csv: bad')"))
    result = run_python(tool_path)
    assert (result.returncode, result.stderr) == (1, 'error: x.csv: bad\n')


def test_fit_shape_model_needs_every_category(tmp_path):
    csv = write_split(tmp_path / 'train', ['blouse', 'skirt'], 2)
    line = one_error_line(
        run_python(TOOLS / 'fit_shape_model.py', csv, '--out',
                   tmp_path / 'shape.json'))
    assert line == (f'error: {csv}: 0 outwear row(s) with both normalizer '
                    'points annotated; the shape model needs at least 2 of '
                    'each category')
    result = run_python(TOOLS / 'fit_shape_model.py', csv, '--out',
                        tmp_path / 'shape.json', '--modes', '0')
    assert result.returncode == 2
    assert '--modes must be at least 1' in result.stderr
    assert not (tmp_path / 'shape.json').exists()


def test_a_test_category_without_training_rows_is_named(tmp_path):
    """constant_baseline.py with skirts to predict and no skirt trained:
    the category, not a point's missing prediction."""
    train = write_split(tmp_path / 'train', ['blouse'], 2)
    test_list = write_csv(tmp_path / 'test.csv',
                          ['image_id', 'image_category'],
                          [['Images/skirt/a.jpg', 'skirt']])
    for tool, args in (('constant_baseline.py', [train, test_list]),
                       ('predict.py', [
                           test_list, tmp_path, '--model', 'all=never.pth',
                           '--fallback-from', train
                       ])):
        line = one_error_line(
            run_python(TOOLS / tool, *args[:2], tmp_path / 'out.csv',
                       *args[2:]))
        assert line == (f'error: {test_list}: lists skirt images, but the '
                        'training annotations have no annotated skirt point '
                        'to average'), tool
    assert not (tmp_path / 'out.csv').exists()
