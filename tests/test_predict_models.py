"""tools/predict.py with the PyTorch backend takes what the docs say it
takes: a model of another category is refused in one line, an ``all``
model under a category key predicts that category, and a ``*_tta`` config
predicts through its views (what ``mim test`` of the same config writes).
"""
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_deploy import make_checkpoint, tiny_rtmpose_checkpoint

from fashionai_core.csv_io import read_fashionai_csv
from fixtures import (CONFIG_DIR, DEMO_CONFIG, TOOLS, mim_test, run_checked,
                      run_python, tta_config, write_answered_test_split,
                      write_test_list)

DEMO_TTA = CONFIG_DIR / \
    'hrnet_w16_all_128_demo_tta.py'


def predict(*args, check: bool = True) -> subprocess.CompletedProcess:
    """tools/predict.py ARGS on one process; ``check``: it must exit 0."""
    tool = TOOLS / 'predict.py'
    return run_python(tool, *args, '--num-workers', '0', check=check)


@pytest.fixture(scope='module')
def all_model(tmp_path_factory) -> Path:
    """An untrained tiny RTMPose ``all`` checkpoint, as mim train saves."""
    folder = tmp_path_factory.mktemp('all_model')
    return tiny_rtmpose_checkpoint(folder)[1]


@pytest.fixture(scope='module')
def two_categories(tmp_path_factory) -> Path:
    return write_answered_test_split(
        tmp_path_factory.mktemp('two'), ['blouse', 'skirt'], 3, seed=5)


@pytest.mark.slow
def test_a_model_of_another_category_is_refused(trained_elsewhere,
                                                two_categories, tmp_path):
    out = tmp_path / 'never.csv'
    for extra in ([], ['--no-flip']):
        result = predict(
            two_categories / 'test.csv',
            two_categories,
            out,
            '--model',
            f'blouse={trained_elsewhere.checkpoint}',
            '--model',
            f'skirt={trained_elsewhere.checkpoint}',
            *extra,
            check=False)
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines() == [
            f'error: {trained_elsewhere.checkpoint} predicts blouse (13 '
            'keypoints), not skirt'
        ]
    assert not out.exists()


def test_an_all_model_under_category_keys(all_model, two_categories, tmp_path):
    """``--model blouse=ALL --model skirt=ALL`` (what select_models.py
    prints) is ``--model all=ALL``, on both backends."""
    runs = {
        'all': ['--model', f'all={all_model}'],
        'keys':
        ['--model', f'blouse={all_model}', '--model', f'skirt={all_model}'],
    }
    points = {}
    for name, args in runs.items():
        out = tmp_path / f'{name}.csv'
        predict(two_categories / 'test.csv', two_categories, out, *args)
        points[name] = read_fashionai_csv(out, allow_decimal=True).keypoints
    np.testing.assert_array_equal(points['all'], points['keys'])
    assert np.isfinite(points['all'][:, :13]).any()


@pytest.mark.slow
def test_a_tta_config_predicts_what_mim_test_writes(trained_elsewhere,
                                                    tmp_path):
    tta = tta_config(trained_elsewhere.config,
                     trained_elsewhere.folder / 'tiny_predict_tta.py',
                     tmp_path / 'mim_tta.csv')
    mim_test(
        tta.name,
        trained_elsewhere.checkpoint,
        '--work-dir',
        tmp_path / 'work',
        cwd=trained_elsewhere.folder)
    # the blouse rows mim test scored (the model is a blouse model)
    test_list = write_test_list(trained_elsewhere.val_csv,
                                tmp_path / 'test.csv', 'blouse')
    outputs = {}
    for name, extra in (('tta', ['--config', f'blouse={tta}']), ('plain', [])):
        out = tmp_path / f'{name}.csv'
        predict(test_list, trained_elsewhere.data / 'val', out, '--model',
                f'blouse={trained_elsewhere.checkpoint}', *extra)
        outputs[name] = read_fashionai_csv(out, allow_decimal=True)
    by_mim = read_fashionai_csv(tmp_path / 'mim_tta.csv', allow_decimal=True)
    assert list(by_mim.image_ids) == list(outputs['tta'].image_ids)
    np.testing.assert_allclose(
        outputs['tta'].keypoints, by_mim.keypoints, atol=0.011)
    assert not np.allclose(
        outputs['tta'].keypoints, outputs['plain'].keypoints, equal_nan=True)


def test_export_refuses_a_tta_config_with_the_reason(tmp_path):
    checkpoint = make_checkpoint(DEMO_CONFIG, tmp_path / 'demo.pth')
    out = tmp_path / 'never.onnx'
    result = run_python(TOOLS / 'export_onnx.py', DEMO_TTA, checkpoint, out)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'error: {DEMO_TTA}: test-time augmentation (FashionAITTAModel) '
        'runs the network on several views; the ONNX predictor repeats one. '
        'Export the config without _tta (same checkpoint)'
    ]
    assert not out.exists()


@pytest.mark.slow
def test_the_readmes_two_ways_to_score_test_answers_agree(
        trained_elsewhere, tmp_path):
    """README: `mim test` with the test split's data_root and answers, and
    predict.py + evaluate.py on its test list, give the same NE."""
    test = write_answered_test_split(tmp_path / 'test', ['blouse'], 6, seed=11)
    log = mim_test(
        trained_elsewhere.config.name,
        trained_elsewhere.checkpoint,
        '--work-dir',
        tmp_path / 'work',
        '--cfg-options',
        f'test_dataloader.dataset.data_root={test}',
        'test_dataloader.dataset.ann_file=Annotations/answers.csv',
        cwd=trained_elsewhere.folder)
    by_mim = float(re.search(r'fashionai/NE: (\d+\.\d+)', log).group(1))
    predict(test / 'test.csv', test, tmp_path / 'submission.csv', '--model',
            f'blouse={trained_elsewhere.checkpoint}')
    evaluation = run_checked(TOOLS / 'evaluate.py',
                             test / 'Annotations' / 'answers.csv',
                             tmp_path / 'submission.csv')
    by_tools = float(
        re.search(r'^NE: (\d+\.\d+)', evaluation.stdout, re.M).group(1))
    # the submission's two decimals are the only difference
    assert abs(by_mim - by_tools) < 0.05, (by_mim, by_tools)
