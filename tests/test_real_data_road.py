"""From a download-shaped tree to a scored submission, and every way the
releases can be wrong (tools/dataset_converters/prepare_data.py)."""
import shutil
from pathlib import Path

import pytest

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.synthetic.download import ANSWERS, KEPT_ANSWERS, RELEASES
from fixtures import (BASE_CONFIG, TOOLS, best_checkpoint, mim, run_checked,
                      run_python, set_cells, tiny_config,
                      write_answered_test_split, write_csv, write_split,
                      write_test_list)

PREPARE = TOOLS / 'dataset_converters' / 'prepare_data.py'


@pytest.fixture(scope='module')
def download(tmp_path_factory) -> Path:
    """Round 1, warm-up (2 rows shared with round 1), test_a and test_b
    with their answers, two round-2 lists; blouse and skirt, 3 images per
    category per list, one round-1 image cut short."""
    root = tmp_path_factory.mktemp('download') / 'fashionAI'
    run_checked(TOOLS / 'make_synthetic.py', '--download-layout', root,
                '--train', '8', '--val', '4', '--test', '3', '--categories',
                'blouse', 'skirt')
    return root


def releases(download: Path):
    return [download / path for path in RELEASES.values()]


@pytest.mark.slow
def test_the_whole_road(download, tmp_path):
    """A download with the real names -> prepare_data (each list its own
    folder; then the answered lists in the training pool) -> mim train with
    the config's own paths -> predict both round-2 lists -> score them."""
    result = run_checked(PREPARE, *releases(download), '--out',
                         tmp_path / 'lists')
    for name in ('test_a', 'test_b', 'round2_test_a', 'round2_test_b'):
        folder = download / RELEASES[name]
        # test_a and test_b both unpack to `test`: named by the part above
        named = Path(RELEASES[name]).parts[0]
        answered = (f'answers {folder / ANSWERS[name]}: 6 rows'
                    if name in ANSWERS else 'no answers')
        assert (f'{folder / "test.csv"} -> {named}: 6 rows, {answered}'
                in result.stdout), result.stdout
        assert len(
            read_fashionai_csv(tmp_path / 'lists' / named / 'test.csv')) == 6
    result = run_checked(PREPARE, *releases(download), '--train-on-answers',
                         '--out', tmp_path / 'data' / 'fashionai',
                         '--val-fraction', '0.25')
    assert 'repeated rows read once: 2' in result.stdout
    assert 'unusable images left out: 1' in result.stdout
    for name in ('test_a', 'test_b'):
        assert (f'{download / RELEASES[name] / ANSWERS[name]}: 6 rows into '
                'the training pool') in result.stdout
    data = tmp_path / 'data' / 'fashionai'
    train = read_fashionai_csv(data / 'train/Annotations/train.csv')
    val = read_fashionai_csv(data / 'val/Annotations/val.csv')
    # 16 + 8 (+2 repeated) + 6 + 6 answered rows, one unreadable image
    assert len(train) + len(val) == 35
    assert not set(train.image_ids) & set(val.image_ids)
    assert sorted(p.name for p in data.iterdir()) == [
        'prepared_by_fashionai.txt', 'round2_fashionAI_key_points_test_a_'
        '20180426', 'round2_fashionAI_key_points_test_b_20180530', 'train',
        'val'
    ]
    config = tiny_config(
        BASE_CONFIG, tmp_path / 'work', data_root=None, max_epochs=1)
    mim('train', 'mmpose', config.name, cwd=tmp_path)
    checkpoint = best_checkpoint(tmp_path / 'work')
    for name in ('round2_test_a', 'round2_test_b'):
        test = data / RELEASES[name]
        submission = tmp_path / f'{name}.csv'
        result = run_checked(
            TOOLS / 'predict.py',
            write_test_list(test / 'test.csv', tmp_path / f'{name}_blouse.csv',
                            'blouse'), test, submission, '--model',
            f'blouse={checkpoint}', '--num-workers', '0')
        assert len(read_fashionai_csv(submission, allow_decimal=True)) == 3
        result = run_checked(TOOLS / 'evaluate.py',
                             download / KEPT_ANSWERS / f'{RELEASES[name]}.csv',
                             submission, '--category', 'blouse')
        assert result.stdout.startswith('NE: ')


def test_the_same_inputs_give_the_same_split(download, tmp_path):
    outputs = []
    for name in ('a', 'b'):
        run_checked(PREPARE, *releases(download), '--out', tmp_path / name,
                    '--seed', '3', '--val-fraction', '0.3')
        outputs.append(
            (tmp_path / name / 'val/Annotations/val.csv').read_text())
    assert outputs[0] == outputs[1]
    # images are linked to the download, not copied
    listed = tmp_path / 'a' / RELEASES['round2_test_a'] / 'Images'
    (image, ) = list(listed.glob('*/*'))[:1]
    assert image.is_symlink()


def test_conflicting_rows_stop_naming_both(download, tmp_path):
    copy = tmp_path / 'download'
    shutil.copytree(download, copy, symlinks=True)
    warm_up = copy / RELEASES['warm_up'] / 'Annotations/annotations.csv'
    lines = warm_up.read_text().splitlines()
    cells = lines[-1].split(',')  # a row round 1 also has
    cells[2] = '-1_-1_-1' if cells[2] != '-1_-1_-1' else '5_5_1'
    lines[-1] = ','.join(cells)
    warm_up.write_text('\n'.join(lines) + '\n')
    out = tmp_path / 'out'
    result = run_python(PREPARE, *releases(copy), '--out', out)
    assert result.returncode == 1 and 'Traceback' not in result.stderr
    line = result.stderr.splitlines()[-1]  # after the progress bars
    assert line.startswith('error: 1 images are annotated differently in two '
                           'places: '), line
    assert 'train.csv, line' in line and 'annotations.csv, line' in line
    assert not out.exists() and not list(tmp_path.glob('.out.*'))
    # listed all at once; the user chooses what to keep
    for choice, pooled in (('first', 23), ('drop', 22)):
        result = run_checked(PREPARE, *releases(copy), '--out', out, '--force',
                             '--on-conflict', choice)
        assert (f'images annotated differently in two places ({choice}): 1'
                ) in result.stdout
        assert sum(
            len(read_fashionai_csv(out / s / 'Annotations' / f'{s}.csv'))
            for s in ('train', 'val')) == pooled


def test_every_conflict_is_listed_in_one_run(tmp_path):
    """22 images annotated differently in two releases: one refusal lists
    the first 20 and counts the rest; nothing has to be rerun to find
    them."""
    first = tmp_path / 'first'
    csv = write_split(first, ['blouse'], 22)
    second = tmp_path / 'second'
    shutil.copytree(first, second)
    rows = [line.split(',') for line in csv.read_text().splitlines()]
    for row in rows[1:]:
        x, y, v = row[2].split('_')
        row[2] = f'{x}_{int(y) + 1}_{v}' if v != '-1' else '5_5_1'
    write_csv(second / 'Annotations/train.csv', rows[0], rows[1:])
    result = run_python(PREPARE, first, second, '--out', tmp_path / 'out')
    assert result.returncode == 1
    line = result.stderr.splitlines()[-1]
    assert line.startswith('error: 22 images are annotated differently')
    assert line.count(' and ') == 20 + 1 and '; and 2 more; ' in line


def test_a_point_outside_its_image_leaves_its_row_out(tmp_path):
    """Named with the download's file and line, instead of stopping
    `mim train` later at the generated CSV."""
    train = tmp_path / 'train'
    csv = write_split(train, ['blouse'], 3, size=(96, 80))
    set_cells(csv, 2, {2: '97_10_1'})  # neckline_left one pixel past 96
    result = run_checked(PREPARE, train, '--out', tmp_path / 'out')
    assert (f'{csv}, line 3: neckline_left at (97, 10) lies outside its '
            '96x80 image') in result.stdout
    assert len(
        read_fashionai_csv(tmp_path / 'out/train/Annotations/'
                           'train.csv')) == 2
    # the summary table's column for that reason
    (blouse, ) = [
        line for line in result.stdout.splitlines()
        if line.startswith('| blouse')
    ]
    assert [cell.strip() for cell in blouse.split('|')[1:-1]
            ] == ['blouse', '2', '0', '0', '1', '0', '0']


def test_what_is_not_a_release_or_not_ours_is_refused(download, tmp_path):
    result = run_python(PREPARE, tmp_path, '--out', tmp_path / 'out')
    assert 'no Annotations/*.csv with keypoint columns and no test.csv' in \
        result.stderr and result.returncode == 1
    mine = tmp_path / 'mine'
    mine.mkdir()
    (mine / 'notes.txt').write_text('keep')
    for extra in ([], ['--force']):
        result = run_python(PREPARE, *releases(download), '--out', mine,
                            *extra)
        assert result.returncode == 1, result.stderr
    assert (mine / 'notes.txt').read_text() == 'keep'
    # its own output is replaced with --force
    ours = tmp_path / 'ours'
    run_checked(PREPARE, *releases(download), '--out', ours)
    assert run_python(PREPARE, *releases(download), '--out',
                      ours).returncode == 1
    run_checked(PREPARE, *releases(download), '--out', ours, '--force')
    assert (ours / 'train/Annotations/train.csv').exists()


def test_a_test_image_in_the_training_pool_is_a_leak(download, tmp_path):
    copy = tmp_path / 'download'
    shutil.copytree(download, copy, symlinks=True)
    test = copy / RELEASES['test_a']
    round1 = copy / RELEASES['round1']
    answer = (test / ANSWERS['test_a']).read_text().splitlines()[1]
    image_id = answer.split(',')[0]
    (round1 / image_id).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(test / image_id, round1 / image_id)
    with open(round1 / 'Annotations/train.csv', 'a') as file:
        file.write(answer + '\n')
    result = run_checked(PREPARE, *releases(copy), '--out', tmp_path / 'out')
    assert 'warning: 1 test images are also in the training pool' in \
        result.stderr


def test_release_names_are_read_literally_and_outer_folders_work(tmp_path):
    """The warm-up archive unpacks to ``[update] warm_up_train_20180222``
    (brackets a glob reads as a character class); the outer folder of an
    archive finds its one release inside; a folder a level too high is
    refused naming the ones below it that would qualify."""
    download = tmp_path / 'download'
    warm_up = download / '[update] warm_up_train_20180222'
    write_split(
        warm_up / 'train', ['blouse'],
        2,
        csv_name='Annotations/annotations.csv')
    test = download / '[update] test_a' / 'test'
    write_answered_test_split(test, ['blouse'], 2, seed=3)
    out = tmp_path / 'out'
    result = run_checked(PREPARE, warm_up, test, '--out', out)
    assert len(read_fashionai_csv(out / 'train/Annotations/train.csv')) == 2
    assert len(read_fashionai_csv(out /
                                  'test/Annotations/test_answers.csv')) == 2
    result = run_python(PREPARE, download, '--out', tmp_path / 'out2')
    assert result.returncode == 1
    assert result.stderr.endswith(
        f'; these folders below it are: {test}, {warm_up / "train"}\n'), (
            result.stderr)


def test_answered_test_lists_join_the_pool_on_request(tmp_path):
    train = tmp_path / 'fashionAI_key_points_train_20180227' / 'train'
    write_split(train, ['blouse'], 4)
    answered = tmp_path / 'fashionAI_key_points_test_a_20180227' / 'test'
    write_answered_test_split(answered, ['blouse'], 3, seed=5)
    unanswered = tmp_path / 'round2_fashionAI_key_points_test_a_20180426'
    write_answered_test_split(unanswered, ['blouse'], 2, seed=6)
    (unanswered / 'Annotations' / 'answers.csv').unlink()
    out = tmp_path / 'out'
    run_checked(PREPARE, train.parent, answered.parent, unanswered,
                '--train-on-answers', '--val-fraction', '0.25', '--out', out)
    pooled = [
        read_fashionai_csv(out / split / 'Annotations' / f'{split}.csv')
        for split in ('train', 'val')
    ]
    assert sum(len(r) for r in pooled) == 4 + 3
    assert len(read_fashionai_csv(out / 'test' / 'test.csv')) == 2


def test_one_picture_under_two_names_is_found_by_its_bytes(tmp_path):
    train = tmp_path / 'train'
    csv = write_split(train, ['blouse'], 3)
    rows = [line.split(',') for line in csv.read_text().splitlines()]
    # row 1's picture again as copy.jpg, same cells; row 2's as other.jpg
    # with other cells
    for source, name, cells in ((rows[1], 'copy.jpg', rows[1][2:]),
                                (rows[2], 'other.jpg', rows[1][2:])):
        shutil.copyfile(train / source[0], train / 'Images' / name)
        rows.append([f'Images/{name}', 'blouse'] + cells)
    write_csv(csv, rows[0], rows[1:])
    test = tmp_path / 'test'
    write_answered_test_split(test, ['blouse'], 1, seed=9)
    (test_image, ) = (test / 'Images' / 'blouse').iterdir()
    shutil.copyfile(train / rows[3][0], test_image)  # a leak by content
    for check, pooled, leaks in (([], 4, 1), (['--no-content-check'], 5, 0)):
        out = tmp_path / f'out{len(check)}'
        result = run_checked(PREPARE, train, test, '--out', out, *check)
        assert sum(
            len(read_fashionai_csv(out / s / 'Annotations' / f'{s}.csv'))
            for s in ('train', 'val') if (out / s).exists()) == pooled
        assert ('test images are also in the training pool'
                in result.stderr) == bool(leaks)
    result = run_python(PREPARE, train, test, '--out', tmp_path / 'again')
    assert 'pictures found under two names: 2' in result.stdout
    assert (f'{csv}, line 5: Images/copy.jpg is the picture of '
            f'{rows[1][0]} ({csv}, line 2); counted once') in result.stdout
    assert (f'{csv}, line 6: Images/other.jpg is the picture of '
            f'{rows[2][0]} ({csv}, line 3), annotated differently; both '
            'kept') in result.stdout


def test_answers_are_checked_against_their_list(tmp_path):
    """An answers file beside a list answers that list: a row for an image
    it does not list, or in another category, stops naming its line; a
    point outside its image is left out and listed; images without an
    answer are counted, with or without --train-on-answers."""
    train = tmp_path / 'train'
    write_split(train, ['trousers'], 4)
    test = write_answered_test_split(tmp_path / 'test', ['blouse', 'skirt'], 2)
    answers = test / 'Annotations' / 'answers.csv'
    rows = [line.split(',') for line in answers.read_text().splitlines()]
    run = [PREPARE, train, test, '--out']
    changed = [list(r) for r in rows]
    changed[1][0] = 'Images/blouse/other.jpg'
    write_csv(answers, changed[0], changed[1:])
    result = run_python(*run, tmp_path / 'out')
    assert result.stderr.splitlines()[-1] == (
        f'error: {answers}, line 2: answers Images/blouse/other.jpg, which '
        f'{test / "test.csv"} does not list; not answers of that list')
    write_csv(answers, rows[0], rows[1:])
    listed = (test / 'test.csv').read_text()
    (test / 'test.csv').write_text(listed.replace(',blouse', ',skirt', 1))
    result = run_python(*run, tmp_path / 'out')
    assert result.stderr.splitlines()[-1] == (
        f'error: {answers}, line 2: {rows[1][0]} is a blouse here and a '
        f'skirt in {test / "test.csv"}')
    (test / 'test.csv').write_text(listed)
    changed = [list(r) for r in rows[:-1]]  # the last image unanswered
    changed[1][2] = '5000_5_1'  # neckline_left far outside
    write_csv(answers, changed[0], changed[1:])
    result = run_checked(*run, tmp_path / 'out')
    assert (f'{answers}, line 2: neckline_left at (5000, 5) lies outside'
            in result.stdout)
    assert (f'answers {answers}: 2 rows; 1 listed images have no answer (e.g.'
            f' {rows[-1][0]})') in result.stdout
    assert len(
        read_fashionai_csv(tmp_path / 'out/test/Annotations/'
                           'test_answers.csv')) == 2
    result = run_checked(*run, tmp_path / 'pooled', '--train-on-answers')
    assert (f'{answers}: 2 rows into the training pool; 1 listed images have '
            'no answer') in result.stdout


def test_what_leaves_nothing_to_train_on_is_refused(tmp_path):
    train = tmp_path / 'download' / 'fashionAI_key_points_train_20180227'
    write_split(train / 'train', ['blouse'], 3)
    out = tmp_path / 'out'
    # the same release twice (outer and inner folder)
    result = run_python(PREPARE, train, train / 'train', '--out', out)
    assert result.stderr.splitlines()[-1] == (
        f'error: {train} and {train / "train"}: the same release given '
        'twice; give it once')
    result = run_python(PREPARE, train, '--out', out, '--val-fraction', '0.9')
    assert result.stderr.splitlines()[-1] == (
        'error: --val-fraction 0.9 leaves no training rows of the 3; pass a '
        'smaller one')
    for image in (train / 'train' / 'Images' / 'blouse').iterdir():
        image.unlink()
    result = run_python(PREPARE, train, '--out', out)
    last = result.stderr.splitlines()[-1]
    assert last.startswith('error: no usable annotated row: 3 left out, e.g. '
                           f'{train / "train" / "Annotations/train.csv"}, '
                           'line 2: '), last
    assert last.endswith(': does not exist'), last
    assert not out.exists()
