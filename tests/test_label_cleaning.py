"""Label cleaning: tools/check_labels.py on labels with injected mistakes,
the dataset's exclude_file and drop_occluded through mim train, and the
real annotations."""
import csv
import re

import cv2
import numpy as np
import pytest

from fashionai_core.csv_io import (read_fashionai_csv, records_from_rows,
                                   write_annotations, write_submission)
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.label_check import check_against_predictions, check_labels
from fashionai_core.synthetic import synthetic_row
from fashionai_core.synthetic.label_noise import inject_label_noise
from conftest import requires_shared
from fixtures import (CONFIG_DIR, SHARED_ANNOTATIONS, TOOLS, best_checkpoint,
                      mim, run_checked, run_mim, run_python, tiny_config,
                      write_split)

CHECK = TOOLS / 'check_labels.py'


@pytest.fixture(scope='module')
def noisy(tmp_path_factory):
    """60 synthetic rows per category, 5% mirrored, 5% moved, 2% with a
    point at another's place; the file, its rows, what was injected and the
    clean rows."""
    records = records_from_rows([
        synthetic_row(0, 'train', c, i) for c in CATEGORIES for i in range(60)
    ])
    noisy, injected = inject_label_noise(records,
                                         np.full((len(records), 2), 512))
    path = tmp_path_factory.mktemp('noisy') / 'train.csv'
    write_annotations(path, noisy.image_ids, noisy.categories, noisy.keypoints,
                      noisy.visibility)
    return path, noisy, injected, records


def test_mirrored_rows_and_points_at_anothers_place_are_found(noisy, tmp_path):
    path, records, injected, _ = noisy
    out = tmp_path / 'suspects.csv'
    result = run_checked(CHECK, path, '--out', out, '--top', '3')
    with open(out, newline='') as file:
        suspects = list(csv.DictReader(file))
    assert [int(s['rank'])
            for s in suspects] == list(range(1,
                                             len(suspects) + 1))
    scores = [float(s['score']) for s in suspects]
    assert scores == sorted(scores, reverse=True)
    found = {(s['image_id'], s['reason']) for s in suspects}
    for kind, reason in (('mirrored', 'swap'), ('duplicated',
                                                'same position')):
        rows = [i.row for i in injected if i.kind == kind]
        assert len(rows) >= 5
        hits = [(records.image_ids[r], reason) in found for r in rows]
        assert all(hits), (kind, hits)
    # what they are, against what else is flagged
    flagged = {s['image_id'] for s in suspects}
    wrong = {records.image_ids[i.row] for i in injected}
    assert len(flagged & wrong) / len(flagged) >= 0.8
    assert re.search(r'\d+ rows, \d+ suspect \(', result.stdout)
    assert len(re.findall(r'^\s*[123]\s+\d+ ', result.stdout,
                          re.MULTILINE)) == 3  # --top 3


def test_a_model_s_predictions_find_swaps_and_moved_points(noisy, tmp_path):
    """With --predictions: the predictions are the clean labels with a
    model-sized error (3% of the normalizer), so every mirrored row and
    most moved points are told apart from the model's own error (the
    benchmark measures a trained model: docs/label_cleaning.md)."""
    path, records, injected, clean = noisy
    scale = np.linalg.norm(
        clean.keypoints[:, 5] - clean.keypoints[:, 6], axis=-1)
    scale = np.where(np.isfinite(scale), scale, 100)  # skirts, trousers
    guess = clean.keypoints + np.random.default_rng(0).normal(
        0, 0.03, clean.keypoints.shape) * scale[:, None, None]
    predictions = tmp_path / 'predictions.csv'
    write_submission(predictions, clean.image_ids, clean.categories, guess)
    out = tmp_path / 'suspects.csv'
    result = run_checked(CHECK, path, '--predictions', predictions, '--out',
                         out)
    with open(out, newline='') as file:
        found = {(s['image_id'], s['reason'], s['keypoint'])
                 for s in csv.DictReader(file)}
    mirrored = [i.row for i in injected if i.kind == 'mirrored']
    assert all((records.image_ids[r], 'mirrored prediction', '') in found
               for r in mirrored)
    moved = [i for i in injected if i.kind == 'moved']
    hits = [(records.image_ids[i.row], 'far from prediction', i.keypoint)
            in found for i in moved]
    assert len(moved) >= 5 and np.mean(hits) >= 0.7, hits
    flagged = {
        image_id
        for image_id, reason, _ in found
        if reason in ('far from prediction', 'mirrored prediction')
    }
    wrong = {records.image_ids[i.row] for i in injected}
    assert len(flagged & wrong) / len(flagged) >= 0.8
    # a point the prediction lacks is not compared; a prediction of
    # another category is none
    row = mirrored[0]
    absent = read_fashionai_csv(predictions, allow_decimal=True)
    absent.visibility[row] = -1  # the mirrored row: no point predicted
    absent.categories[row + 1] = 'blouse' if absent.categories[
        row + 1] != 'blouse' else 'dress'
    suspects, unpredicted = check_against_predictions(records, absent)
    assert unpredicted == 1
    assert not {s.row for s in suspects} & {row, row + 1}
    # rows the predictions lack are checked by their geometry only
    write_submission(predictions, clean.image_ids[1:], clean.categories[1:],
                     guess[1:])
    result = run_python(
        CHECK,
        path,
        '--predictions',
        predictions,
        '--out',
        out,
        ignore_warnings=False,
        check=True)
    assert (f'warning: 1 of {len(records)} annotated rows have no '
            f'prediction of their category in {predictions}') in result.stderr


def test_the_sheet_draws_the_suspects_it_can_read(tmp_path):
    """The --num highest-ranked suspect rows whose images read; a missing
    image is left off, named in a warning."""
    split = tmp_path / 'train'
    csv_file = write_split(split, ['blouse', 'skirt'], 4)  # random layouts
    suspects = tmp_path / 'suspects.csv'
    result = run_checked(CHECK, csv_file, '--out', suspects)
    with open(suspects, newline='') as file:
        ranked = list(
            dict.fromkeys(s['image_id'] for s in csv.DictReader(file)))
    assert len(ranked) >= 3
    (split / ranked[0]).unlink()  # the first suspect's image is gone
    sheet = tmp_path / 'suspects.png'
    result = run_python(
        CHECK,
        csv_file,
        split,
        '--out',
        tmp_path / 'again.csv',
        '--sheet',
        sheet,
        '--num',
        '2',
        ignore_warnings=False,
        check=True)
    assert '2 suspect rows drawn on' in result.stdout
    (warning, ) = result.stderr.splitlines()
    assert warning.startswith('warning: left off the sheet: ')
    assert ranked[0] in warning
    picture = cv2.imread(str(sheet))
    assert picture is not None and picture.shape[:2] == (256 + 18, 4 * 256)
    # the second-ranked row's drawing fills the first cell
    assert (picture[:256, :256] < 250).any()
    assert (picture[:256, 512:] == 255).all()


def test_a_point_far_from_its_place_is_found():
    """A point moved by two normalizers stands out of any garment's
    spread (moves of 0.2-0.6 do not: docs/label_cleaning.md)."""
    records = records_from_rows(
        [synthetic_row(1, 'train', 'blouse', i) for i in range(80)])
    row, point = 7, 0  # neckline_left
    distance = np.linalg.norm(records.keypoints[row, 5] -
                              records.keypoints[row, 6])  # the armpits
    records.keypoints[row, point, 1] += 2 * distance
    suspects = [s for s in check_labels(records) if s.row == row]
    assert ('moved', 'neckline_left') in {(s.reason, s.keypoint)
                                          for s in suspects}


def test_bad_arguments_are_one_line(tmp_path):
    csv_file = write_split(tmp_path / 'train', ['blouse'], 2)
    test_list = tmp_path / 'test.csv'
    test_list.write_text('image_id,image_category\nImages/a.jpg,blouse\n')
    for args, message in (
        ((tmp_path / 'none.csv', '--out', tmp_path / 'o.csv'), 'none.csv'),
        ((test_list, '--out', tmp_path / 'o.csv'),
         'expected an annotation file with the 24 keypoint columns'),
        ((csv_file, '--out', csv_file), 'is an input of this run'),
        ((csv_file, '--out', tmp_path), 'is a folder'),
    ):
        result = run_python(CHECK, *args)
        assert result.returncode == 1, args
        (line, ) = [
            line for line in result.stderr.splitlines()
            if line.startswith('error')
        ]
        assert message in line, line
    for args, message in (
        ((test_list, '--predictions'), 'expected an annotation file with the '
         '24 keypoint columns'),
        ((tmp_path / 'none.csv', '--predictions'), 'none.csv'),
        ((csv_file, '--sheet'), 'is an input of this run'),
        ((csv_file / 'q.png', '--sheet'), 'is not a folder'),
    ):
        result = run_python(CHECK, csv_file, tmp_path, '--out',
                            tmp_path / 'p.png', args[1], args[0])
        assert result.returncode == 1, args
        assert message in result.stderr.splitlines()[-1], result.stderr
    for args, message in (
        (('--top', '-1'), '--top -1'),
        (('--num', '0'), '--num 0'),
        (('--sheet', tmp_path / 's.png'), 'give IMAGE_ROOT'),
    ):
        result = run_python(CHECK, csv_file, '--out', tmp_path / 'o.csv',
                            *args)
        assert result.returncode == 2 and message in result.stderr, args
    result = run_python(CHECK, csv_file, tmp_path, '--out', tmp_path / 'o.csv',
                        '--sheet', tmp_path / 'o.csv')
    assert result.returncode == 2 and 'name the same file' in result.stderr
    assert not (tmp_path / 'o.csv').exists()
    image = tmp_path / 'train' / 'Images' / 'unlisted.jpg'  # (listed: input)
    image.write_bytes(
        next((tmp_path / 'train' / 'Images').rglob('*.jpg')).read_bytes())
    for args, message in (
        ((tmp_path / 'train', '--out', image), 'would replace an image'),
        ((tmp_path / 'none', '--out', tmp_path / 'o.csv', '--sheet',
          tmp_path / 's.png'), 'none: not a folder'),
    ):
        result = run_python(CHECK, csv_file, *args)
        assert result.returncode == 1, args
        assert message in result.stderr.splitlines()[-1], result.stderr
    assert not (tmp_path / 'o.csv').exists()


@pytest.mark.slow
def test_left_out_rows_and_the_competitors_rule_train(tmp_path):
    """exclude_file and drop_occluded through mim train, their counts in
    the log; a bad exclude file is one located error."""
    data = tmp_path / 'data' / 'fashionai'
    write_split(data / 'train', ['blouse'], 8)
    write_split(
        data / 'val', ['blouse'], 2, seed=1, csv_name='Annotations/val.csv')
    train_csv = data / 'train' / 'Annotations' / 'train.csv'
    records = read_fashionai_csv(train_csv)
    records.visibility[:5][records.visibility[:5] == 0] = 1  # 5 without
    write_annotations(train_csv, records.image_ids, records.categories,
                      records.keypoints, records.visibility)
    occluded = int((records.visibility == 0).any(axis=1).sum())
    assert 0 < occluded < len(records)
    suspects = data / 'train' / 'suspects.csv'
    suspects.write_text('rank,image_id,reason\n1,' + records.image_ids[0] +
                        ',swap\n2,' + records.image_ids[1] + ',moved\n')
    for name, expected in (
        ('hrnet_w32_blouse_cleaned', '2 of 8 rows left out, listed in '
         'data/fashionai/train/suspects.csv'),
        ('hrnet_w32_blouse_no_occluded',
         f'{occluded} of 8 rows left out for an occluded point'),
    ):
        work = tmp_path / name
        config = tiny_config(
            CONFIG_DIR / f'{name}.py', work, data_root=data, max_epochs=1)
        mim('train', 'mmpose', config.name, cwd=tmp_path)
        log = '\n'.join(p.read_text() for p in work.glob('*/*.log'))
        assert f'FashionAIDataset(blouse): {expected}' in log, name
        assert best_checkpoint(work).exists()
    suspects.write_text('rank,id\n1,x\n')
    work = tmp_path / 'bad'
    config = tiny_config(
        CONFIG_DIR / 'hrnet_w32_blouse_cleaned.py', work, data_root=data)
    result = run_mim('train', 'mmpose', config.name, cwd=tmp_path)
    assert result.returncode != 0
    assert ('data/fashionai/train/suspects.csv, line 1: no image_id column'
            in result.stderr), result.stderr[-2000:]


@requires_shared
def test_the_real_annotations_counts(tmp_path):
    """docs/label_cleaning.md's counts on the sample annotations."""
    out = tmp_path / 'suspects.csv'
    result = run_checked(CHECK, SHARED_ANNOTATIONS / 'val.csv', '--out', out)
    assert 'val.csv: 6412 rows, 159 suspect (moved: 154, same position: 5, ' \
        'order: 4)' in result.stdout, result.stdout


def test_the_benchmark_runs_small():
    result = run_checked(TOOLS / 'analysis_tools' / 'benchmark_label_noise.py',
                         '--rows', '20')
    assert '| mirrored   |' in result.stdout and 'precision' in result.stdout


def test_leaving_rows_out_is_refused_in_test_mode(tmp_path):
    import fashionai_dataset  # noqa: F401  (registers the plugin)
    from fashionai_dataset.datasets import FashionAIDataset
    csv_file = write_split(tmp_path / 'val', ['blouse'], 2)
    for option in (dict(drop_occluded=True), dict(exclude_file=csv_file)):
        with pytest.raises(ValueError, match='evaluation .* keeps every row'):
            FashionAIDataset(
                ann_file=str(csv_file),
                data_root=str(tmp_path / 'val'),
                test_mode=True,
                pipeline=[],
                **option)


@pytest.mark.slow
def test_the_benchmarks_training_half_runs_small(tmp_path):
    result = run_checked(TOOLS / 'analysis_tools' / 'benchmark_label_noise.py',
                         '--rows', '4', '--train', '--iters', '2',
                         '--eval-size', '1', '--data', tmp_path / 'data',
                         '--work-dir', tmp_path / 'work')
    for row in ('(a) clean labels', '(b) noisy labels',
                '(c) noisy, suspects left out',
                '(d) noisy, rows with an occluded point left out'):
        assert f'| {row}' in result.stdout, row
    assert 'of the noisy-to-clean gap' in result.stdout
    # the model mode: (b)'s predictions of its own training images
    assert "with the predictions of (b)'s model" in result.stdout
    assert '| mirrored   |' in result.stdout.split('predictions of (b)')[1]
    assert (tmp_path / 'work' / 'train_predictions.csv').exists()
