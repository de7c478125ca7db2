"""One door out: no tool replaces, deletes or mislabels what the user did
not ask it to (fashionai_core/outputs.py, docs/bad_input.md).

Each case runs the tool as a user would and checks the exit status, the one
``error:`` line and that every file the user had is byte-identical after.
"""
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Dict, Tuple

import cv2
import numpy as np
import pytest
from test_deploy import make_checkpoint

from fashionai_core import releases
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.outputs import MANIFEST, OutputFolder
from fixtures import (DEMO_CONFIG, DETECTOR_CONFIG, REPO_ROOT, TOOLS,
                      one_error_line, run_checked, run_python,
                      write_answered_test_split, write_csv, write_split,
                      write_test_list)

PREPARE = TOOLS / 'dataset_converters' / 'prepare_data.py'


def snapshot(folder: Path) -> Dict[str, str]:
    """Every file below ``folder`` (links as their targets) -> its bytes'
    hash: what must not change."""
    return {
        str(p.relative_to(folder)):
        (f'link to {os.readlink(p)}'
         if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob('*')) if p.is_file() or p.is_symlink()
    }


@pytest.fixture
def download(tmp_path) -> Path:
    """A training release and two test releases that both unpack to a
    folder called ``test``, as the round-1 archives do."""
    root = tmp_path / 'download'
    write_split(root / 'fashionAI_key_points_train_20180227' / 'train',
                ['blouse'], 4)
    for name, seed in (('fashionAI_key_points_test_a_20180227', 1),
                       ('fashionAI_key_points_test_b_20180418', 2)):
        write_answered_test_split(
            root / name / 'test', ['blouse'], 2, seed=seed)
    return root


def test_prepare_data_refuses_an_out_that_holds_a_release(download, tmp_path):
    train = download / 'fashionAI_key_points_train_20180227' / 'train'
    out = tmp_path / 'out'
    run_checked(PREPARE, train, '--out', out, '--copy')
    before = snapshot(out)
    line = one_error_line(
        run_python(PREPARE, out / 'train', train, '--out', out, '--force'))
    assert line == (f'error: {out}: is, holds or lies inside the release '
                    f'{out / "train"}; pass an --out outside every release')
    assert snapshot(out) == before
    inner = one_error_line(
        run_python(PREPARE, train, '--out', train / 'prepared'))
    assert 'lies inside the release' in inner
    assert not (train / 'prepared').exists()


def test_test_lists_of_one_name_each_get_their_own_folder(download, tmp_path):
    """``a/test`` and ``b/test``, one of them given as ``..``: neither
    list is lost, nothing lands beside OUT."""
    (tmp_path / 'test.csv').write_text('mine\n')
    test_a = download / 'fashionAI_key_points_test_a_20180227' / 'test'
    out = tmp_path / 'out'
    result = run_python(
        PREPARE,
        '../../../fashionAI_key_points_train_20180227/train',
        '..',
        '../../../fashionAI_key_points_test_b_20180418/test',
        '--out',
        out,
        '--val-fraction',
        '0.25',
        cwd=test_a / 'Images',
        check=True)
    assert (tmp_path / 'test.csv').read_text() == 'mine\n'
    for name in ('fashionAI_key_points_test_a_20180227',
                 'fashionAI_key_points_test_b_20180418'):
        listed = read_fashionai_csv(out / name / 'test.csv')
        assert len(listed) == 2 and (out / name / 'Annotations' /
                                     'test_answers.csv').is_file()
        assert f'{name}: {out / name / "test.csv"}' in result.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([
        'fashionAI_key_points_test_a_20180227',
        'fashionAI_key_points_test_b_20180418', 'prepared_by_fashionai.txt',
        'train', 'val'
    ])


def test_an_out_that_appears_while_it_runs_is_kept(download, tmp_path,
                                                   monkeypatch):
    """Another writer makes OUT after the start's check: its files stay."""
    out = tmp_path / 'out'
    split = releases.split

    def split_while_another_writes(*args, **kwargs):
        out.mkdir()
        (out / 'theirs.txt').write_text('theirs')
        return split(*args, **kwargs)

    monkeypatch.setattr(releases, 'split', split_while_another_writes)
    with pytest.raises(releases.ReleaseError, match='--force to replace'):
        releases.prepare(
            [str(download / 'fashionAI_key_points_train_20180227' / 'train')],
            str(out))
    assert snapshot(out) == {
        'theirs.txt': hashlib.sha256(b'theirs').hexdigest()
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ['download', 'out']


def test_links_out_of_a_release_and_odd_files_are_not_followed(
        download, tmp_path):
    train = download / 'fashionAI_key_points_train_20180227' / 'train'
    secret = tmp_path / 'secret.jpg'
    first = sorted((train / 'Images' / 'blouse').iterdir())[0]
    shutil.copyfile(first, secret)
    first.unlink()
    first.symlink_to(secret)
    # a FIFO named like a CSV would block a reader for ever
    os.mkfifo(train / 'Annotations' / 'pipe.csv')
    out = tmp_path / 'out'
    result = run_python(
        PREPARE, train, '--out', out, '--copy', timeout=300, check=True)
    assert (f'{first}: a link to {secret}, outside its release (only files '
            'inside the release are used)') in result.stdout
    copied = [p for p in out.rglob('*.jpg')]
    assert len(copied) == 3 and secret.read_bytes() not in [
        p.read_bytes() for p in copied
    ]


def test_an_answers_file_is_read_as_the_lists_annotations(download, tmp_path):
    test_a = download / 'fashionAI_key_points_test_a_20180227' / 'test'
    (test_a / 'Annotations' / 'answers.csv').unlink()
    write_csv(test_a / 'notes.csv', ['name', 'date', 'comment'],
              [['me', '2018-03-01', 'not answers']])
    line = one_error_line(
        run_python(PREPARE,
                   download / 'fashionAI_key_points_train_20180227' / 'train',
                   test_a, '--out', tmp_path / 'out'))
    assert line.startswith(f'error: {test_a / "notes.csv"}')
    assert not (tmp_path / 'out').exists()


def png_root(tmp_path: Path) -> Path:
    """Two PNG images and their annotations."""
    root = tmp_path / 'pngs'
    csv = write_split(root, ['blouse'], 2)
    text = csv.read_text()
    for jpg in (root / 'Images' / 'blouse').glob('*.jpg'):
        cv2.imwrite(str(jpg.with_suffix('.png')), cv2.imread(str(jpg)))
        jpg.unlink()
        text = text.replace(jpg.name, jpg.with_suffix('.png').name)
    csv.write_text(text)
    return root


def test_visualize_never_draws_over_its_images(tmp_path):
    root = png_root(tmp_path)
    before = snapshot(root)
    line = one_error_line(
        run_python(TOOLS / 'visualize.py', root, '--ann',
                   root / 'Annotations' / 'train.csv', '--out-dir', root))
    assert 'would replace the input' in line and str(root) in line
    assert snapshot(root) == before


def test_infer_replaces_only_what_it_wrote(tmp_path):
    """``DIR/*.png`` into DIR: DIR/a.jpg (another photo) and DIR/a.json (the
    user's) stay; once they are moved away, the tool's own outputs are
    written again on a second run."""
    photos = tmp_path / 'photos'
    photos.mkdir()
    image = np.full((64, 48, 3), 90, np.uint8)
    cv2.imwrite(str(photos / 'a.png'), image)
    cv2.imwrite(str(photos / 'a.jpg'), image + 50)
    (photos / 'a.json').write_text('{"mine": true}')
    checkpoint = make_checkpoint(DEMO_CONFIG, tmp_path / 'demo.pth')
    before = snapshot(photos)
    args = (TOOLS / 'infer.py', f'{photos}/*.png', '--category', 'blouse',
            '--model', checkpoint, '--out-dir', photos, '--device', 'cpu')
    line = one_error_line(run_python(*args))
    assert line.startswith(f'error: {photos / "a.json"}: exists and was not '
                           "written by this project's tools")
    assert snapshot(photos) == before
    (photos / 'a.json').unlink()
    (photos / 'a.jpg').unlink()
    for _ in range(2):  # the second run replaces its own outputs
        run_checked(*args)
    assert set(json.loads(
        (photos / MANIFEST).read_text())) == {'a.json', 'a.jpg'}
    # a file the user changed since is not the tool's any more
    (photos / 'a.json').write_text('{"edited": true}')
    assert 'exists and was not written' in one_error_line(run_python(*args))
    assert (photos / 'a.json').read_text() == '{"edited": true}'


def annotated_test_list(root: Path) -> Tuple[Path, Path]:
    """Two blouse images under ``root``: their annotations and test list."""
    ann = write_split(root, ['blouse'], 2)
    return ann, write_test_list(ann, root / 'test.csv')


def test_a_tool_never_writes_over_its_input(tmp_path):
    root = tmp_path / 'data'
    ann, test_csv = annotated_test_list(root)
    a = make_checkpoint(DEMO_CONFIG, tmp_path / 'a.pth')
    b = make_checkpoint(DEMO_CONFIG, tmp_path / 'b.pth', seed=1)
    before = snapshot(tmp_path)
    runs = [
        ((TOOLS / 'merge_checkpoints.py', a, b, '-o', a), a, a),
        ((TOOLS / 'predict.py', test_csv, root, test_csv, '--model',
          f'all={a}'), test_csv, test_csv),
        ((TOOLS / 'dataset_converters' / 'fashionai2coco.py', ann, root, ann),
         ann, ann),
        # the same file by another spelling and through a link
        ((TOOLS / 'constant_baseline.py', ann, test_csv,
          root / 'Images' / '..' / 'test.csv'),
         root / 'Images' / '..' / 'test.csv', test_csv),
    ]
    (tmp_path / 'link.csv').symlink_to(ann)
    runs.append(((TOOLS / 'ensemble_submissions.py', ann, '-o',
                  tmp_path / 'link.csv'), tmp_path / 'link.csv', ann))
    for args, output, source in runs:
        assert one_error_line(run_python(*args)) == (
            f'error: {output}: is an input of this run ({source}); name '
            'another output')
    assert snapshot(tmp_path) == dict(before, **{'link.csv': f'link to {ann}'})


@pytest.mark.parametrize('image_id, message', [
    ('Images/blouse/a\rb.jpg', "holds the control character '\\r'"),
    ('=HYPERLINK("x").jpg', "begins with '='"),
    ('@SUM(1).jpg', "begins with '@'"), ('-2+3.jpg', "begins with '-'")
])
def test_ids_that_break_csvs_are_refused_where_read(image_id, message,
                                                    tmp_path):
    ann = write_split(tmp_path, ['blouse'], 1)
    test_csv = tmp_path / 'test.csv'
    # quoted, as a spreadsheet or Python's csv module writes such a cell
    quoted = image_id.replace('"', '""')
    test_csv.write_bytes(
        f'image_id,image_category\n"{quoted}",blouse\n'.encode())
    line = one_error_line(
        run_python(TOOLS / 'constant_baseline.py', ann, test_csv,
                   tmp_path / 'out.csv'))
    # the csv module counts the line a quoted cell's line break ends
    line_number = 3 if '\r' in image_id else 2
    assert line.startswith(
        f'error: {test_csv}, line {line_number}, column 1 (image_id): '
        f'image_id {image_id!r} {message}'), line
    assert not (tmp_path / 'out.csv').exists()


def test_a_box_without_area_is_no_box(tmp_path):
    root = write_answered_test_split(tmp_path / 'test', ['blouse'], 2)
    test = read_fashionai_csv(root / 'test.csv')
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(
        json.dumps([
            dict(
                image_id=test.image_ids[0],
                category='blouse',
                bbox=[40.56, 30.28, 0.0, 0.07],
                score=0.01),
            dict(
                image_id=test.image_ids[1],
                category='blouse',
                bbox=[2, 2, 80, 60],
                score=0.9)
        ]))
    checkpoint = make_checkpoint(DEMO_CONFIG, tmp_path / 'demo.pth')
    result = run_checked(TOOLS / 'predict.py', root / 'test.csv', root,
                         tmp_path / 'sub.csv', '--model', f'all={checkpoint}',
                         '--bbox-file', boxes, '--device', 'cpu')
    assert (f'boxes from {boxes}: 1 of 2 images had no box of their '
            'category') in result.stdout
    assert len(read_fashionai_csv(tmp_path / 'sub.csv',
                                  allow_decimal=True)) == 2


def writing_tools(tmp_path: Path):
    """Every tool that writes, as ``(name or path, args before the output, args
    after it, whether it reads an image folder)``, on inputs under
    ``tmp_path / 'in'``."""
    root = tmp_path / 'in'
    ann, test_csv = annotated_test_list(root)
    ckpt = make_checkpoint(DEMO_CONFIG, root / 'model.pth')
    shutil.copyfile(ckpt, root / 'other.pth')
    coco = root / 'coco.json'
    run_checked(TOOLS / 'dataset_converters' / 'fashionai2coco.py', ann, root,
                coco)
    boxes = root / 'boxes.json'
    boxes.write_text(
        json.dumps([
            dict(
                image_id=i, category='blouse', bbox=[2, 2, 60, 40], score=0.9)
            for i in read_fashionai_csv(ann).image_ids
        ]))
    model = ('--model', f'all={ckpt}', '--device', 'cpu')
    return root, [
        ('predict.py', (test_csv, root), model, True),
        ('pseudo_label.py', (test_csv, root), model, True),
        ('merge_checkpoints.py', (ckpt, root / 'other.pth', '-o'), (), False),
        (REPO_ROOT / 'projects' / 'cascade_refine' / 'tools' /
         'merge_stage_checkpoints.py', (ckpt, root / 'other.pth'), (), False),
        (REPO_ROOT / 'projects' / 'garment_detector' / 'tools' /
         'lost_points.py', (ann, root, '--bbox-file', boxes,
                            '--plot'), (), True),
        ('check_labels.py', (ann, root, '--predictions', ann, '--sheet'),
         ('--out', tmp_path / 'suspects.csv'), True),
        ('export_onnx.py', (DEMO_CONFIG, ckpt), (), False),
        ('ensemble_submissions.py', (ann, ann, '-o'), (), False),
        ('constant_baseline.py', (ann, test_csv), (), False),
        ('fit_shape_model.py', (ann, '--out'), (), False),
        ('evaluate.py', (ann, ann, '--json'), (), False),
        ('select_models.py', (ann, '--model', f'a={ann}', '--test-pred',
                              f'a={ann}', '-o'), (), False),
        ('detect.py', (DETECTOR_CONFIG, ckpt, test_csv, root), (), True),
        ('dataset_converters/fashionai2coco.py', (ann, root), (), True),
        ('dataset_converters/coco2fashionai.py', (coco, ), (), False),
        ('visualize.py', (root, '--ann', ann, '--sheet'), (), True),
        ('visualize.py', (root, '--ann', ann, '--out-dir'), (), True),
        ('infer.py', (root / 'Images', '--category', 'blouse', '--model', ckpt,
                      '--out-dir'), ('--device', 'cpu'), True),
        ('dataset_converters/prepare_data.py', (root, '--out'), (), True),
    ]


def test_no_tool_changes_an_input_through_its_output(tmp_path):
    """Each writing tool, its output named as each of its input files, the
    folder holding them (which is the image folder), or one of the images
    it reads: every file it was given stays as it was, and a refusal is one
    line. What a run adds beside the inputs is removed after it."""
    root, tools = writing_tools(tmp_path)
    before = snapshot(root)
    image = next((root / 'Images' / 'blouse').iterdir())
    for name, head, tail, reads_images in tools:
        outputs = [
            arg for arg in head if isinstance(arg, Path) and arg.is_file()
            and arg.is_relative_to(root)
        ] + [root]
        if reads_images:
            outputs.append(image)
        for output in outputs:
            result = run_python(TOOLS / name, *head, output, *tail)
            if result.returncode:
                one_error_line(result)
            after = snapshot(root)
            assert {k: after.get(k) for k in before} == before, (name, output)
            for added in set(after) - set(before):
                (root / added).unlink()
            for folder in sorted(root.rglob('*'), reverse=True):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()


def rename_first_image(csv: Path, root: Path, suffix: str) -> Path:
    """The first image ``csv`` lists, renamed to ``suffix`` there and on
    disk; its new path."""
    image = root / read_fashionai_csv(csv).image_ids[0]
    renamed = image.with_suffix(suffix)
    image.rename(renamed)
    csv.write_text(csv.read_text().replace(image.name, renamed.name))
    return renamed


def test_an_image_the_list_names_is_an_input_whatever_its_name(tmp_path):
    """``Images/blouse/a.tif`` listed in the test CSV: not an extension the
    image-root rule knows, still an input of predict.py."""
    root = tmp_path / 'data'
    ann, test_csv = annotated_test_list(root)
    tif = rename_first_image(test_csv, root, '.tif')
    before = snapshot(root)
    line = one_error_line(
        run_python(TOOLS / 'predict.py', test_csv, root, tif, '--model',
                   'all=never.pth'))
    assert line == (f'error: {tif}: is an input of this run ({tif}); name '
                    'another output')
    assert snapshot(root) == before


def test_the_images_a_tool_reads_are_inputs_whatever_their_names(tmp_path):
    """An image the CSV lists without an image extension (check_labels.py,
    lost_points.py), or a calibration image under the root export_onnx.py
    finds itself: never written over."""
    root = tmp_path / 'data'
    ann, _ = annotated_test_list(root)
    bare = rename_first_image(ann, root, '')
    boxes = tmp_path / 'boxes.json'
    boxes.write_text('[]')
    checkpoint = make_checkpoint(DEMO_CONFIG, tmp_path / 'model.pth')
    second = root / read_fashionai_csv(ann).image_ids[1]
    before = snapshot(root)
    for tool, args, out in (
        ('check_labels.py', (ann, root, '--out', bare), bare),
        ('check_labels.py', (ann, root, '--out', tmp_path / 's.csv', '--sheet',
                             bare), bare),
        (REPO_ROOT / 'projects' / 'garment_detector' / 'tools' /
         'lost_points.py', (ann, root, '--bbox-file', boxes, '--plot',
                            bare), bare),
        ('export_onnx.py', (DEMO_CONFIG, checkpoint, second, '--int8',
                            '--calib-images', ann), second),
    ):
        line = one_error_line(run_python(TOOLS / tool, *args))
        assert line == (f'error: {out}: is an input of this run ({out}); '
                        'name another output'), tool
        assert snapshot(root) == before, tool


@pytest.mark.parametrize('manifest', ['fifo', 'folder', 'not json', 'link'])
def test_something_else_named_like_the_manifest_is_refused_first(
        manifest, tmp_path):
    root = png_root(tmp_path)
    out = tmp_path / 'drawn'
    out.mkdir()
    path = out / MANIFEST
    if manifest == 'fifo':
        os.mkfifo(path)
    elif manifest == 'folder':
        path.mkdir()
    elif manifest == 'link':
        (tmp_path / 'mine.txt').write_text('mine')
        path.symlink_to(tmp_path / 'mine.txt')
    else:
        path.write_text('{bad')
    line = one_error_line(
        run_python(
            TOOLS / 'visualize.py',
            root,
            '--ann',
            root / 'Annotations' / 'train.csv',
            '--out-dir',
            out,
            timeout=120))
    assert line == (f"error: {path}: is not the manifest this project's "
                    'tools write; move it away')
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST]


def test_two_runs_into_one_folder_keep_both_records(tmp_path):
    first, second = OutputFolder(str(tmp_path)), OutputFolder(str(tmp_path))
    for folder, name in ((first, 'a.png'), (second, 'b.png')):
        (tmp_path / name).write_bytes(name.encode())
        folder.record(str(tmp_path / name))
    second.close()
    first.close()
    assert set(json.loads(
        (tmp_path / MANIFEST).read_text())) == {'a.png', 'b.png'}


def test_evaluate_outputs_are_two_files(tmp_path):
    ann = write_split(tmp_path, ['blouse'], 1)
    out = tmp_path / 'e.json'
    line = one_error_line(
        run_python(TOOLS / 'evaluate.py', ann, ann, '--json', out, '--plot',
                   out))
    assert line == (f'error: {out}: is an input of this run ({out}); name '
                    'another output')
    assert not out.exists()


def test_prepare_data_keeps_the_pools_names_and_what_the_user_added(tmp_path):
    train = tmp_path / 'rel' / 'train'
    write_split(train, ['blouse'], 2)
    lists = [tmp_path / 'tt' / name for name in ('train', 'val')]
    for seed, folder in enumerate(lists, start=3):
        write_answered_test_split(folder, ['blouse'], 1, seed=seed)
    out = tmp_path / 'out'
    run_checked(PREPARE, train, *lists, '--out', out)
    assert sorted(p.name for p in out.iterdir()) == [
        'prepared_by_fashionai.txt', 'test_train', 'test_val', 'train'
    ]
    assert len(read_fashionai_csv(out / 'train/Annotations/train.csv')) == 2
    (out / 'my_notes.txt').write_text('mine')
    line = one_error_line(
        run_python(PREPARE, train, *lists, '--out', out, '--force'))
    assert line == (f'error: {out}: holds my_notes.txt, which '
                    'prepare_data.py did not write or which changed since; '
                    '--force replaces only what it wrote, unchanged: move '
                    'those away first')
    assert (out / 'my_notes.txt').read_text() == 'mine'
    (out / 'my_notes.txt').unlink()
    # deeper down too: a file added to a list's folder, a list edited
    (out / 'test_train' / 'predictions.csv').write_text('mine')
    with open(out / 'test_val' / 'test.csv', 'a') as file:
        file.write('\n')
    line = one_error_line(
        run_python(PREPARE, train, *lists, '--out', out, '--force'))
    assert line.startswith(f'error: {out}: holds test_train/predictions.csv, '
                           'test_val/test.csv, which'), line
    for added in (out / 'test_train' / 'predictions.csv',
                  out / 'test_val' / 'test.csv'):
        added.unlink()
    run_checked(PREPARE, train, *lists, '--out', out, '--force')


@pytest.mark.parametrize('tool', ['predict.py', 'pseudo_label.py'])
def test_the_detectors_file_is_an_output_too(tool, tmp_path):
    """``--det-config`` writes ``OUT.detections.json`` beside the output:
    where that is one of the inputs (here the detector's weights), the tool
    refuses before it loads anything, and the input stays."""
    root = tmp_path / 'data'
    _, test_csv = annotated_test_list(root)
    weights = tmp_path / 'out.detections.json'
    weights.write_bytes(b'the detector\'s weights')
    result = run_python(TOOLS / tool, test_csv, root, tmp_path / 'out.csv',
                        '--model', f'all={weights}', '--det-config',
                        DETECTOR_CONFIG, '--det-checkpoint', weights)
    assert result.returncode == 1
    assert one_error_line(result).startswith(
        f'error: {weights}: is an input of this run')
    assert weights.read_bytes() == b'the detector\'s weights'
    assert not (tmp_path / 'out.csv').exists()
