"""projects/hard_example_mining: the weighted sampler and both options through
`mim train`."""
import re

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from projects.hard_example_mining.engine import HardExampleSampler
from fixtures import BASE_CONFIG, REPO_ROOT, mim, tiny_config, write_data

PROJECT = REPO_ROOT / 'projects' / 'hard_example_mining'


def test_sampler_without_weights_is_a_permutation():
    sampler = HardExampleSampler(list(range(10)), seed=0)
    sampler.set_epoch(3)
    assert sorted(sampler) == list(range(10))
    first = list(sampler)
    sampler.set_epoch(4)
    assert list(sampler) != first, 'a new order each epoch'


def test_sampler_draws_in_proportion_to_the_weights():
    sampler = HardExampleSampler(list(range(1000)), seed=0)
    weights = np.ones(1000)
    weights[:100] = 9.0  # 100 images weigh as much as the other 900
    sampler.set_weights(weights)
    draws = np.array([
        i for epoch in range(5)
        for i in (sampler.set_epoch(epoch), list(sampler))[1]
    ])
    assert len(draws) == 5000, 'an epoch keeps its length'
    assert np.mean(draws < 100) == pytest.approx(0.5, abs=0.03)


def test_sampler_refuses_bad_weights():
    sampler = HardExampleSampler(list(range(4)), seed=0)
    with pytest.raises(ValueError, match='4 weights expected'):
        sampler.set_weights([1, 1, 1])
    with pytest.raises(ValueError, match='non-negative'):
        sampler.set_weights([1, -1, 1, 1])
    with pytest.raises(ValueError, match='positive sum'):
        sampler.set_weights([0, 0, 0, 0])


def hard_sampling_config(tmp_path, base, epochs=2, extra=''):
    write_data(tmp_path / 'data', train=8, val=2)
    return tiny_config(
        base,
        tmp_path / 'work',
        data_root=tmp_path / 'data',
        max_epochs=epochs,
        extra=extra)


@pytest.mark.slow
def test_hard_sampling_reweights_after_each_epoch(tmp_path):
    config = hard_sampling_config(
        tmp_path,
        PROJECT / 'configs' / 'hrnet_w32_blouse_hard_sampling.py',
        extra="custom_hooks = _base_.custom_hooks[:-1] + [dict("
        "type='HardExampleMiningHook', interval=1, begin=1)]\n")
    log = mim('train', 'mmpose', config, cwd=tmp_path)
    mined = re.findall(
        r'HardExampleMiningHook: training NE (\d+\.\d+)%; (\d+) images', log)
    assert len(mined) == 1, 'mined after epoch 1, not after the last'
    # 8 blouse images, the hardest quarter (ties may add some)
    assert int(mined[0][1]) >= 2


@pytest.mark.slow
def test_mining_hook_needs_the_sampler(tmp_path):
    config = hard_sampling_config(
        tmp_path,
        BASE_CONFIG,
        epochs=1,
        extra="custom_imports = dict(imports=['fashionai_patches', "
        "'fashionai_dataset', 'projects.hard_example_mining'])\n"
        "custom_hooks = "
        "_base_.custom_hooks + [dict(type='HardExampleMiningHook')]\n")
    runner = Runner.from_cfg(Config.fromfile(config))
    with pytest.raises(TypeError, match="sampler = dict.*HardExampleSampler"):
        runner.train()


@pytest.mark.slow
def test_ohkm_config_trains(tmp_path):
    """The same seed, model, data and first batch: OHKM's loss averages each
    image's 8 worst points, so it starts above the plain loss, which
    averages all 13 (absent ones at zero weight); a loss the config failed
    to set would start at the very same value."""
    first_losses = {}
    for name, config in (('ohkm',
                          PROJECT / 'configs' / 'hrnet_w32_blouse_ohkm.py'),
                         ('plain', BASE_CONFIG)):
        folder = tmp_path / name
        log = mim(
            'train',
            'mmpose',
            hard_sampling_config(folder, config, epochs=1),
            cwd=folder)
        assert re.search(r'fashionai/NE: \d+\.\d+', log)
        first_losses[name] = float(
            re.search(r'Epoch\(train\) +\[1\]\[1/\d+\].*? loss: (\S+)',
                      log).group(1))
    assert first_losses['ohkm'] > first_losses['plain'] > 0
