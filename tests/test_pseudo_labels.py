"""tools/pseudo_label.py and training on its output (*_pseudo.py configs,
PseudoLabelConcatDataset, FashionAIDataset's keypoint_weight), run as a
user runs them on real files."""
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

import fashionai_dataset  # noqa: F401  (registers the plugin)
from fashionai_core.csv_io import read_fashionai_csv, records_from_rows
from fashionai_core.keypoints import KEYPOINT_NAMES
from fixtures import (CONFIG_DIR, TOOLS, best_checkpoint, mim, run_checked,
                      run_python, set_cells, tiny_config, write_split,
                      write_test_list)

PSEUDO_CONFIG = CONFIG_DIR / 'hrnet_w32_blouse_pseudo.py'


def with_fixed_armpits(path, out):
    """``path`` with both armpits of every row at fixed, distinct points.

    The tiny model predicts nearly one point for all keypoints, so its
    armpits give no NE normalizer; the same cells in both files leave the
    other points' errors as they are."""
    lines = path.read_text().splitlines()
    header = lines[0].split(',')
    left, right = header.index('armpit_left'), header.index('armpit_right')
    rows = []
    for line in lines[1:]:
        cells = line.split(',')
        cells[left], cells[right] = '10_10_1', '60_10_1'
        rows.append(','.join(cells))
    out.write_text('\n'.join(lines[:1] + rows) + '\n')
    return out


def zero_ne(labels, submission, folder):
    """NE of ``submission`` against ``labels`` through tools/evaluate.py."""
    result = run_checked(TOOLS / 'evaluate.py',
                         with_fixed_armpits(labels, folder / 'gt.csv'),
                         with_fixed_armpits(submission, folder / 'pred.csv'))
    assert 'points counted: 0' not in result.stdout, result.stdout
    return result.stdout


def pseudo_label(*args, check: bool = False):
    tool = TOOLS / 'pseudo_label.py'
    return run_python(
        tool, *args, '--device', 'cpu', '--batch-size', '2', check=check)


@pytest.fixture(scope='module')
def labelled_once(trained_elsewhere, tmp_path_factory):
    """Pseudo-labels of the tiny blouse model on its validation images,
    the same model's submission, and the scores."""
    folder = tmp_path_factory.mktemp('pseudo')
    image_root = trained_elsewhere.data / 'val'
    image_list = write_test_list(trained_elsewhere.val_csv,
                                 folder / 'images.csv', 'blouse')
    model = f'--model=blouse={trained_elsewhere.checkpoint}'
    out = folder / 'out' / 'pseudo.csv'
    printed = pseudo_label(
        image_list, image_root, out, model, check=True).stdout
    submission = folder / 'submission.csv'
    run_checked(TOOLS / 'predict.py', image_list, image_root, submission,
                model, '--device', 'cpu', '--batch-size', '2')
    return folder, image_list, image_root, model, out, submission, printed


@pytest.mark.slow
def test_pseudo_labels_are_the_models_own_predictions(labelled_once):
    """Done-when of the issue: evaluated against the same model's
    submission, the pseudo-labels give 0 NE, at any threshold; the scores
    file says which points were kept."""
    folder, image_list, image_root, model, out, submission, printed = (
        labelled_once)
    assert 'neckline_left' in printed and '| all ' in printed
    assert zero_ne(out, submission, folder).startswith('NE: 0.00')
    labels = read_fashionai_csv(out, allow_decimal=True)
    predicted = read_fashionai_csv(submission, allow_decimal=True)
    kept = labels.visibility == 1
    assert kept.any()
    # both written in two decimals from the same predictions
    np.testing.assert_allclose(
        labels.keypoints[kept], predicted.keypoints[kept], atol=0.01)
    assert (labels.visibility[:, KEYPOINT_NAMES.index('crotch')] == -1).all()

    # a threshold between the scores drops exactly the points under it
    scores = np.genfromtxt(
        folder / 'out' / 'pseudo.scores.csv', delimiter=',', skip_header=1)[:,
                                                                            2:]
    # halfway between two kept points' scores: no point sits on it
    distinct = np.unique(scores[kept])
    threshold = float(distinct[len(distinct) // 2 - 1:][:2].mean())
    strict = folder / 'strict.csv'
    pseudo_label(
        image_list,
        image_root,
        strict,
        model,
        f'--min-score={threshold}',
        check=True)
    strict_labels = read_fashionai_csv(strict, allow_decimal=True)
    with np.errstate(invalid='ignore'):
        np.testing.assert_array_equal(strict_labels.visibility == 1,
                                      kept & (scores >= threshold))
    assert 0 < (strict_labels.visibility == 1).sum() < kept.sum()
    assert zero_ne(strict, submission, folder).startswith('NE: 0.00')


@pytest.mark.slow
def test_pseudo_labels_train_beside_labelled_rows(labelled_once,
                                                  trained_elsewhere, tmp_path):
    """A *_pseudo.py config trains through `mim train` on labelled rows
    plus the pseudo-label file; pseudo rows carry the config's loss
    weight (0.5), labelled ones 1."""
    _, _, image_root, _, out, _, _ = labelled_once
    data = trained_elsewhere.data
    train_pipeline = 'pipeline_for_codec(_base_.train_pipeline, codec)'
    extra = f'''
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        labelled=dict(data_root={str(data / "train")!r},
                      pipeline={train_pipeline}),
        pseudo_labelled=dict(data_root={str(image_root)!r},
                             ann_file={str(out)!r},
                             pipeline={train_pipeline})))
'''
    config = tiny_config(
        PSEUDO_CONFIG,
        tmp_path / 'work',
        data_root=data,
        max_epochs=1,
        extra=extra)
    mim('train', 'mmpose', config, cwd=tmp_path)
    assert best_checkpoint(tmp_path / 'work').exists()

    cfg = Config.fromfile(config)
    init_default_scope('mmpose')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    labelled, pseudo = dataset.labelled, dataset.pseudo_labelled
    assert len(dataset) == (
        dataset.labelled_repeats * len(labelled) + len(pseudo))
    assert len(pseudo) == len(read_fashionai_csv(out, allow_decimal=True))
    for part, weight in ((labelled, 1.0), (pseudo, 0.5)):
        sample = part[0]
        weights = sample['data_samples'].gt_instance_labels.keypoint_weights
        visible = sample['data_samples'].gt_instances.keypoints_visible
        inside = weights.numpy() > 0
        assert inside.any()
        np.testing.assert_allclose(weights.numpy()[inside], weight)
        assert (np.asarray(visible)[inside] > 0).all()


def pseudo_dataset_cfg(labelled_csv, pseudo_csv, root, **kwargs):
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=(64, 64)),
        dict(
            type='GenerateTarget',
            encoder=dict(
                type='MSRAHeatmap',
                input_size=(64, 64),
                heatmap_size=(16, 16),
                sigma=1),
            use_dataset_keypoint_weights=True),
        dict(type='PackPoseInputs')
    ]
    common = dict(
        type='FashionAIDataset',
        data_root=str(root),
        data_prefix=dict(img=''),
        pipeline=pipeline)
    return dict(
        type='PseudoLabelConcatDataset',
        labelled=dict(common, ann_file=str(labelled_csv)),
        pseudo_labelled=dict(
            common,
            ann_file=str(pseudo_csv),
            allow_decimal=True,
            keypoint_weight=0.5),
        **kwargs)


def test_an_image_in_both_files_is_refused_unless_told(tmp_path):
    init_default_scope('mmpose')
    labelled = write_split(tmp_path, ('blouse', ), images_per_category=3)
    pseudo = tmp_path / 'Annotations' / 'pseudo.csv'
    lines = labelled.read_text().splitlines()
    # the labelled file's second image, and one only the pseudo file has
    write_split(
        tmp_path, ('blouse', ),
        images_per_category=1,
        seed=7,
        csv_name='Annotations/other.csv')
    other = (tmp_path / 'Annotations/other.csv').read_text().splitlines()
    pseudo.write_text('\n'.join([lines[0], lines[2], other[1]]) + '\n')
    with pytest.raises(ValueError) as error:
        DATASETS.build(pseudo_dataset_cfg(labelled, pseudo, tmp_path))
    message = str(error.value)
    assert str(pseudo) in message and str(labelled) in message
    assert lines[2].split(',')[0] in message and 'same_image_wins' in message

    for winner, sizes in (('labelled', (3, 1)), ('pseudo_labelled', (2, 2))):
        dataset = DATASETS.build(
            pseudo_dataset_cfg(
                labelled, pseudo, tmp_path, same_image_wins=winner))
        assert tuple(len(d) for d in dataset.datasets) == sizes
        assert len(dataset) == 4
    with pytest.raises(ValueError, match='same_image_wins must be'):
        DATASETS.build(
            pseudo_dataset_cfg(
                labelled, pseudo, tmp_path, same_image_wins='pseudo'))


def test_a_keypoint_weight_that_would_change_nothing_is_refused(tmp_path):
    init_default_scope('mmpose')
    labelled = write_split(tmp_path, ('blouse', ), images_per_category=2)
    cfg = pseudo_dataset_cfg(labelled, labelled, tmp_path)['pseudo_labelled']
    cfg['pipeline'][-2]['use_dataset_keypoint_weights'] = False
    with pytest.raises(ValueError, match='use_dataset_keypoint_weights'):
        DATASETS.build(cfg)
    with pytest.raises(ValueError, match='keypoint_weight must be'):
        DATASETS.build(dict(cfg, keypoint_weight=-1))


def test_decimal_labels_need_allow_decimal(tmp_path):
    init_default_scope('mmpose')
    labelled = write_split(tmp_path, ('blouse', ), images_per_category=1)
    x, y, v = labelled.read_text().splitlines()[1].split(',')[2].split('_')
    decimal = set_cells(labelled, 1, {2: f'{x}.25_{y}.75_{v}'},
                        tmp_path / 'decimal.csv')
    cfg = pseudo_dataset_cfg(labelled, decimal, tmp_path)['pseudo_labelled']
    dataset = DATASETS.build(cfg)
    np.testing.assert_allclose(
        dataset.get_data_info(0)['keypoints'][0, 0],
        [float(x) + 0.25, float(y) + 0.75])
    with pytest.raises(ValueError, match='must be integers'):
        DATASETS.build(dict(cfg, allow_decimal=False))


def test_a_threshold_that_keeps_nothing_stops_training(tmp_path):
    init_default_scope('mmpose')
    labelled = write_split(tmp_path, ('blouse', ), images_per_category=2)
    header, *rows = labelled.read_text().splitlines()
    empty = tmp_path / 'empty.csv'
    empty.write_text('\n'.join([header] + [
        ','.join(row.split(',')[:2] + ['-1_-1_-1'] * len(KEYPOINT_NAMES))
        for row in rows
    ]) + '\n')
    cfg = pseudo_dataset_cfg(labelled, empty, tmp_path)['pseudo_labelled']
    with pytest.raises(
            ValueError,
            match='none of its 2 all images has an '
            'annotated point.*--min-score'):
        DATASETS.build(cfg)


def test_a_folder_of_photos_with_unreadable_ones(trained_elsewhere, tmp_path):
    """A shop's folder: ids relative to the root, broken files skipped and
    listed, the rest labelled; a folder needs --category and must be inside
    the root."""
    root = tmp_path / 'shop'
    shutil.copytree(trained_elsewhere.data / 'val' / 'Images' / 'blouse',
                    root / 'photos' / 'new')
    (root / 'photos' / 'new' / 'broken.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'pseudo.csv'
    model = f'--model=blouse={trained_elsewhere.checkpoint}'
    result = pseudo_label(
        root / 'photos', root, out, model, '--category', 'blouse', check=True)
    assert 'skipped photos/new/broken.jpg' in result.stderr
    assert '1 unreadable images skipped' in result.stdout
    labels = read_fashionai_csv(out, allow_decimal=True)
    photos = sorted((root / 'photos' / 'new').glob('*.jpg'))
    assert sorted(labels.image_ids) == sorted(f'photos/new/{p.name}'
                                              for p in photos
                                              if p.name != 'broken.jpg')
    assert set(labels.categories) == {'blouse'}

    result = pseudo_label(root / 'photos', root, out, model)
    assert result.returncode == 1
    assert '--category says what garment' in result.stderr
    result = pseudo_label(root / 'photos', root / 'photos' / 'new', out, model,
                          '--category', 'blouse')
    assert result.returncode == 1 and 'is not inside the image root' in (
        result.stderr)


def test_a_model_that_misses_a_category_stops_before_any_work(tmp_path):
    """The category check comes before any model loads or image is read:
    the checkpoint named here does not even exist."""
    csv = write_split(tmp_path, ('blouse', 'skirt'), images_per_category=1)
    image_list = write_test_list(csv, tmp_path / 'images.csv')
    out = tmp_path / 'pseudo.csv'
    result = pseudo_label(image_list, tmp_path, out,
                          '--model=blouse=missing.pth')
    assert result.returncode == 1
    assert 'has skirt images but no model was given' in result.stderr
    assert not out.exists()
    before = image_list.read_text()
    result = pseudo_label(image_list, tmp_path, image_list,
                          '--model=all=x.pth')
    assert result.returncode == 1 and result.stderr == (
        f'error: {image_list}: is an input of this run ({image_list}); name '
        'another output\n')
    assert image_list.read_text() == before
    result = pseudo_label(image_list, tmp_path, out, '--model=all=x.onnx',
                          '--backend', 'onnxruntime', '--tta')
    assert result.returncode == 2 and '--tta applies to checkpoints' in (
        result.stderr)


def test_the_pseudo_labelled_share_repeats_the_labelled_rows(tmp_path):
    init_default_scope('mmpose')
    labelled = write_split(tmp_path, ('blouse', ), images_per_category=3)
    pseudo = write_split(
        tmp_path, ('blouse', ),
        images_per_category=6,
        seed=3,
        csv_name='Annotations/pseudo.csv')
    for share, repeats in ((None, 1), (0.5, 2), (0.25, 6), (0.8, 1)):
        dataset = DATASETS.build(
            pseudo_dataset_cfg(
                labelled, pseudo, tmp_path, pseudo_labelled_share=share))
        assert dataset.labelled_repeats == repeats
        assert len(dataset) == 3 * repeats + 6
        assert len(dataset.labelled) == 3 and len(dataset.pseudo_labelled) == 6
        # the last samples are the pseudo-labelled rows, at their weight
        last = dataset[len(dataset) - 1]['data_samples']
        weights = last.gt_instance_labels.keypoint_weights.numpy()
        assert set(np.unique(weights)) <= {0.0, 0.5}
    with pytest.raises(ValueError, match='pseudo_labelled_share must be'):
        DATASETS.build(
            pseudo_dataset_cfg(
                labelled, pseudo, tmp_path, pseudo_labelled_share=1))


def test_a_predicted_point_outside_its_image_is_dropped():
    """docs/bad_input.md: such a point becomes -1_-1_-1, as a label there
    would stop training."""
    from fashionai_core.pseudo_labels import pseudo_label_visibility
    cells = ['-1_-1_-1'] * len(KEYPOINT_NAMES)
    cells[0] = '500_10_1'  # neckline_left, right of a 120-pixel-wide image
    cells[1] = '60_10_1'
    records = records_from_rows([['Images/blouse/a.jpg', 'blouse'] + cells])
    records.scores = np.ones((1, len(KEYPOINT_NAMES)))
    visibility = pseudo_label_visibility(records, None, np.array([[120, 96]]))
    assert visibility[0, :2].tolist() == [-1, 1]
