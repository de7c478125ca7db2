"""projects/densenet_backbone: the backbone, its ImageNet weights, a config
that trains through `mim train`."""
import re

import pytest
import torch
from torchvision.models import densenet121

from projects.densenet_backbone.models.densenet import (
    DenseNet, rename_old_densenet_keys)
from fixtures import REPO_ROOT, mim, tiny_config, write_data

PROJECT = REPO_ROOT / 'projects' / 'densenet_backbone'


def test_output_is_the_final_feature_map():
    backbone = DenseNet(depth=121, growth_rate=8, num_init_features=16)
    (features, ) = backbone(torch.rand(2, 3, 64, 64))
    assert features.shape == (2, backbone.out_channels, 2, 2)
    assert backbone.out_channels == 256
    assert (features >= 0).all(), 'after the final ReLU'


def test_unknown_depth_is_refused():
    with pytest.raises(KeyError, match='depth 100'):
        DenseNet(depth=100)


def test_torchvision_checkpoint_with_old_key_names_loads(tmp_path):
    """torchvision's ImageNet files name a dense layer's norm 'norm.1'; the
    Pretrained init maps them and every backbone weight arrives."""
    reference = densenet121()
    for parameter in reference.parameters():
        parameter.data.normal_()
    old_names = {
        re.sub(r'(denselayer\d+\.(?:norm|relu|conv))([12])', r'\1.\2', key):
        value
        for key, value in reference.state_dict().items()
        # the old files predate batch norm's counter
        if not key.endswith('num_batches_tracked')
    }
    assert 'features.denseblock1.denselayer1.norm.1.weight' in old_names
    assert set(rename_old_densenet_keys(old_names)) == {
        key
        for key in reference.state_dict()
        if not key.endswith('num_batches_tracked')
    }
    path = tmp_path / 'densenet121-old.pth'
    torch.save(old_names, path)

    backbone = DenseNet(
        depth=121, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    backbone.init_weights()
    loaded = backbone.state_dict()
    for key, value in reference.features.state_dict().items():
        if key.endswith('num_batches_tracked'):
            continue
        assert torch.equal(loaded[f'features.{key}'], value), key


@pytest.mark.slow
def test_category_config_trains_with_mim(tmp_path):
    write_data(tmp_path / 'data', categories=('blouse', ))
    work_dir = tmp_path / 'work'
    model = """model = dict(
    backbone=dict(growth_rate=8, num_init_features=16, init_cfg=None),
    head=dict(
        in_channels=256,
        deconv_out_channels=(32, 32, 32),
        deconv_kernel_sizes=(4, 4, 4),
        decoder=codec))
"""
    config = tiny_config(
        PROJECT / 'configs' / 'densenet121_blouse.py',
        work_dir,
        data_root=tmp_path / 'data',
        max_epochs=1,
        model=model)
    log = mim('train', 'mmpose', config, cwd=tmp_path)
    assert re.search(r'fashionai/NE: \d+\.\d+', log)
    # what was trained: DenseNet's layers, not the base config's ResNet
    weights = torch.load(
        work_dir / 'epoch_1.pth', weights_only=True)['state_dict']
    assert 'backbone.features.denseblock1.denselayer1.conv1.weight' in weights
    assert not any(key.startswith('backbone.layer1') for key in weights)
