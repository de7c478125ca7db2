"""Model ensembles: two copies of a model are that model, two models give
their mean (heatmaps or points), through predict.py and mim test."""
import copy
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpose.registry import DATASETS, MODELS

from fashionai_dataset.models import PoseEnsemble, can_average_heatmaps
from fixtures import (CONFIG_DIR, TOOLS, mim_test, run_checked, run_python,
                      write_split, write_test_list)

TINY_BACKBONE = dict(type='ResNet', depth=18, base_channels=8, init_cfg=None)


def tiny_model(seed, codec=None):
    cfg = Config.fromfile(str(CONFIG_DIR / 'res50_blouse.py')).model
    cfg.backbone = TINY_BACKBONE
    cfg.head.in_channels = 64
    cfg.head.deconv_out_channels = (16, 16)
    cfg.head.deconv_kernel_sizes = (4, 4)
    if codec is not None:
        cfg.head.decoder = codec
        cfg.test_cfg.shift_heatmap = codec['type'] != 'UDPHeatmap'
    torch.manual_seed(seed)
    model = MODELS.build(cfg.to_dict())
    model.init_weights()
    return model.eval()


@pytest.fixture(scope='module')
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp('ensemble')
    write_split(
        root,
        categories=('blouse', ),
        images_per_category=3,
        size=(128, 128),
        csv_name='Annotations/val.csv')
    pipeline = Config.fromfile(str(CONFIG_DIR /
                                   'res50_blouse.py')).val_pipeline
    dataset = DATASETS.build(
        dict(
            type='FashionAIDataset',
            category='blouse',
            data_root=str(root),
            ann_file='Annotations/val.csv',
            data_prefix=dict(img=''),
            test_mode=True,
            pipeline=pipeline))
    return pseudo_collate([dataset[i] for i in range(len(dataset))])


def predict(model, batch):
    with torch.no_grad():
        samples = model.test_step(copy.deepcopy(batch))
    return np.stack([s.pred_instances.keypoints[0] for s in samples])


def test_two_copies_of_a_model_are_that_model(batch):
    model = tiny_model(0)
    alone = predict(model, batch)
    twins = PoseEnsemble(members=[model, copy.deepcopy(model)])
    assert twins.average_heatmaps
    np.testing.assert_array_equal(predict(twins, batch), alone)


def test_two_models_average_their_heatmaps(batch):
    first, second = tiny_model(0), tiny_model(1)
    pair = PoseEnsemble(members=[first, second], weights=[3, 1])
    merged = predict(pair, batch)
    # the same by hand: each model's flip-averaged maps, weighted, decoded
    maps = []
    for model in (first, second):
        model.test_cfg['output_heatmaps'] = True
        with torch.no_grad():
            samples = model.test_step(copy.deepcopy(batch))
        maps.append([s.pred_fields.heatmaps.numpy() for s in samples])
    for index, sample in enumerate(samples):
        heatmaps = 0.75 * maps[0][index] + 0.25 * maps[1][index]
        points, _ = first.head.decoder.decode(heatmaps)
        meta = sample.metainfo
        expected = (
            points[0] / np.array(meta['input_size']) * meta['input_scale'] +
            meta['input_center'] - 0.5 * meta['input_scale'])
        np.testing.assert_allclose(merged[index], expected, rtol=1e-5)
    assert not np.allclose(merged, predict(first, batch))


def test_other_codecs_average_their_points(batch):
    udp = tiny_model(0)
    msra = tiny_model(
        1,
        dict(
            type='MSRAHeatmap',
            input_size=(256, 256),
            heatmap_size=(64, 64),
            sigma=2,
            unbiased=True))
    pair = PoseEnsemble(members=[udp, msra])
    assert not pair.average_heatmaps
    np.testing.assert_allclose(
        predict(pair, batch), (predict(udp, batch) + predict(msra, batch)) / 2,
        rtol=1e-5)
    assert not can_average_heatmaps([udp, msra])


def test_bad_weights_are_refused():
    model = tiny_model(0)
    with pytest.raises(ValueError, match='1 weights for 2 inputs'):
        PoseEnsemble(members=[model, model], weights=[1])
    with pytest.raises(ValueError, match='non-negative numbers'):
        PoseEnsemble(members=[model, model], weights=[1, -1])


def test_members_that_disagree_are_refused():
    blouse = tiny_model(0)
    skirt = tiny_model(1)
    skirt.head.out_channels = 4  # another category's points
    with pytest.raises(ValueError, match=r'differ in keypoints \(\[13, 4\]\)'):
        PoseEnsemble(members=[blouse, skirt])
    larger = tiny_model(
        2,
        dict(
            type='UDPHeatmap',
            input_size=(384, 384),
            heatmap_size=(96, 96),
            sigma=3))
    with pytest.raises(ValueError, match='differ in codec input size'):
        PoseEnsemble(members=[blouse, larger])


def test_shipped_ensemble_config_holds_the_two_family_models():
    ensemble = Config.fromfile(
        str(CONFIG_DIR / 'ensemble_hrnet_w32_res50_blouse.py'))
    assert ensemble.model.type == 'PoseEnsemble'
    for member, family in zip(ensemble.model.members, ('hrnet_w32', 'res50')):
        plain = Config.fromfile(str(CONFIG_DIR / f'{family}_blouse.py'))
        built, reference = [
            MODELS.build(
                dict(cfg, backbone=dict(cfg.backbone, init_cfg=None)))
            for cfg in (member, plain.model)
        ]
        shapes = {k: v.shape for k, v in built.state_dict().items()}
        assert shapes == {
            k: v.shape
            for k, v in reference.state_dict().items()
        }
        assert member.head.decoder == plain.model.head.decoder


def test_predict_refuses_a_codec_its_pipeline_does_not_match(tmp_path):
    config = tmp_path / 'mismatch.py'
    config.write_text(f'''
_base_ = [{str(CONFIG_DIR / 'hrnet_w32_blouse.py')!r}]
# a codec changed without rebuilding the pipelines (still 256 pixels)
model = dict(head=dict(decoder=dict(
    input_size=(384, 384), heatmap_size=(96, 96), sigma=3)))
''')
    checkpoint = tmp_path / 'empty.pth'
    torch.save(dict(state_dict={}), checkpoint)
    result = run_python(TOOLS / 'predict.py', tmp_path / 'test.csv', tmp_path,
                        tmp_path / 'out.csv', '--model',
                        f'blouse={checkpoint}', '--config', f'blouse={config}')
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'error: {config}: the test pipeline warps images to (256, 256) but '
        'the codec decodes (384, 384); rebuild the pipeline with '
        'pipeline_for_codec'
    ]


@pytest.mark.slow
def test_ensembles_through_predict_and_mim_test(trained_elsewhere, tmp_path):
    checkpoint = trained_elsewhere.checkpoint
    test_list = write_test_list(trained_elsewhere.val_csv,
                                tmp_path / 'test.csv', 'blouse')  # its model
    outputs = {}
    for name, models in (('one', [checkpoint]), ('two',
                                                 [checkpoint, checkpoint])):
        out = tmp_path / f'{name}.csv'
        result = run_python(
            TOOLS / 'predict.py',
            test_list,
            trained_elsewhere.data / 'val',
            out,
            '--num-workers',
            '0',
            *[f'--model=blouse={m}' for m in models],
            *(['--weights', 'blouse=3,1'] if name == 'two' else []),
            ignore_warnings=False,
            check=True)
        assert f'models per category: blouse {len(models)}' in result.stdout
        outputs[name] = out.read_text()
    assert outputs['two'] == outputs['one']

    merged = tmp_path / 'ensemble.pth'
    run_checked(TOOLS / 'merge_checkpoints.py', checkpoint, checkpoint, '-o',
                merged)
    config = trained_elsewhere.folder / 'tiny_ensemble.py'
    config.write_text(f'''
_base_ = [{str(trained_elsewhere.config)!r}]
model = dict(
    _delete_=True,
    type='PoseEnsemble',
    members=[_base_.model, _base_.model])
''')
    nes = []
    for name, cfg, ckpt in (('plain', trained_elsewhere.config, checkpoint),
                            ('ensemble', config, merged)):
        log = mim_test(
            cfg.name,
            ckpt,
            '--work-dir',
            tmp_path / name,
            cwd=trained_elsewhere.folder)
        assert 'missing keys' not in log and 'unexpected key' not in log
        nes.append(re.findall(r'fashionai/NE: (\d+\.\d+)', log))
    assert nes[0] == nes[1] and nes[0]
