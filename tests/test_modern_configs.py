"""RTMPose, HRNet-W48, the seed's VGG backbones and pose-pretrained starts.

Each config loads, agrees with itself (outputs, codec, pipelines, flip) and
runs forward; a checkpoint in MMPose's model-zoo layout (17-keypoint head)
loads into the backbone and leaves the category's head to start fresh.
"""
import copy

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS
from test_configs import (HRNET_W48_CONFIGS, POSE_START_CONFIGS,
                          RTMPOSE_CONFIGS, SEED_BACKBONE_CONFIGS,
                          check_codec_consistency)
from test_train_test_e2e import NE_PATTERN

from fashionai_core.keypoints import CATEGORIES, num_category_keypoints
from fixtures import (CONFIG_DIR, REPO_ROOT, TOOLS, best_checkpoint, mim,
                      mim_test, run_python, tiny_config, write_data,
                      write_test_list)

MODEL_ZOO = 'https://download.openmmlab.com/'
#: CSPNeXt depth and width of RTMPose-t, -s and -m (MMPose's)
RTMPOSE_SIZES = {'t': (0.167, 0.375), 's': (0.33, 0.5), 'm': (0.67, 0.75)}


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIG_DIR / f'{name}.py'))


def category_of(name: str) -> str:
    (category, ) = [c for c in (*CATEGORIES, 'all') if f'_{c}' in name]
    return category


def pipeline_steps(pipeline, step_type):
    return [s for s in pipeline if s.type == step_type]


@pytest.mark.parametrize('name', RTMPOSE_CONFIGS)
def test_rtmpose_config(name):
    cfg = load(name)
    codec = check_codec_consistency(cfg)
    # the sub-bin codec: MMPose's SimCCLabel loses 0.3% NE on its own
    assert codec.type == 'SubpixelSimCCLabel'
    assert codec.simcc_split_ratio == 2.0
    size = codec.input_size[0]
    assert codec.sigma == pytest.approx((5.66 * size / 256, ) * 2, abs=0.01)
    head = cfg.model.head
    assert head.type == 'FlipAlignedRTMCCHead'
    assert head.out_channels == num_category_keypoints(category_of(name))
    assert head.input_size == codec.input_size
    assert head.in_featuremap_size == (size // 32, size // 32)
    assert head.simcc_split_ratio == codec.simcc_split_ratio
    assert head.loss.type == 'KLDiscretLoss'
    assert cfg.model.test_cfg == dict(flip_test=True)
    depth, width = RTMPOSE_SIZES[name.split('_')[1]]
    assert cfg.model.backbone.type == 'CSPNeXt'
    assert (cfg.model.backbone.deepen_factor,
            cfg.model.backbone.widen_factor) == (depth, width)
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        assert loader.dataset.category == category_of(name)
    hooks = {hook.type: hook for hook in cfg.custom_hooks}
    assert {'EMAHook', 'WeightsOnlyCheckpointHook'} <= set(hooks)
    if name.endswith('_demo'):
        assert cfg.model.backbone.init_cfg is None  # offline, from scratch
        return
    assert cfg.model.backbone.init_cfg.checkpoint.startswith(MODEL_ZOO)
    # RTMPose's second stage: the milder pipeline for the last 30 epochs,
    # with this config's codec
    switch = hooks['mmdet.PipelineSwitchHook']
    assert switch.switch_epoch == cfg.train_cfg.max_epochs - 30
    assert switch.switch_pipeline == cfg.train_pipeline_stage2
    (target, ) = pipeline_steps(switch.switch_pipeline, 'GenerateTarget')
    (affine, ) = pipeline_steps(switch.switch_pipeline, 'TopdownAffine')
    assert target.encoder == codec and affine.input_size == codec.input_size
    for pipeline in (cfg.train_pipeline, cfg.train_pipeline_stage2):
        steps = [s.type for s in pipeline]
        assert {
            'mmdet.YOLOXHSVRandomAug', 'RandomBoxBlur', 'RandomMedianBlur',
            'CoarseDropout'
        } <= set(steps)


@pytest.mark.parametrize('name', HRNET_W48_CONFIGS)
def test_hrnet_w48_config(name):
    cfg = load(name)
    codec = check_codec_consistency(cfg)
    assert codec.type == 'UDPHeatmap' and codec.input_size == (384, 384)
    assert codec.heatmap_size == (96, 96) and codec.sigma == 3
    extra = cfg.model.backbone.extra
    assert extra.stage4.num_channels == (48, 96, 192, 384)
    assert extra.stage3.num_channels == (48, 96, 192)
    assert extra.stage2.num_channels == (48, 96)
    assert cfg.model.head.in_channels == 48
    assert cfg.model.head.out_channels == num_category_keypoints(
        category_of(name))
    assert 'hrnet_w48' in cfg.model.backbone.init_cfg.checkpoint


@pytest.mark.parametrize('name', SEED_BACKBONE_CONFIGS)
def test_vgg_config(name):
    cfg = load(name)
    check_codec_consistency(cfg)
    depth = int(name[3:5])
    backbone = cfg.model.backbone
    assert backbone.type == 'VGG' and backbone.depth == depth
    assert backbone.norm_cfg == dict(type='BN')
    assert backbone.init_cfg.checkpoint == f'mmcls://vgg{depth}_bn'
    assert 'num_classes' not in backbone  # no ResNet arguments left over
    assert cfg.model.head.out_channels == num_category_keypoints(
        category_of(name))


@pytest.mark.parametrize(
    'name', RTMPOSE_CONFIGS + HRNET_W48_CONFIGS + SEED_BACKBONE_CONFIGS)
def test_model_builds_and_runs(name):
    cfg = load(name)
    cfg.model.backbone.init_cfg = None  # no downloads here
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    codec = cfg.model.head.decoder
    width, height = codec.input_size
    keypoints = num_category_keypoints(category_of(name))
    with torch.no_grad():
        outputs = model(torch.rand(1, 3, height, width), None, mode='tensor')
    if codec.type == 'SubpixelSimCCLabel':
        ratio = codec.simcc_split_ratio
        assert [tuple(o.shape)
                for o in outputs] == [(1, keypoints, int(width * ratio)),
                                      (1, keypoints, int(height * ratio))]
    else:
        heatmap_width, heatmap_height = codec.heatmap_size
        assert tuple(outputs.shape) == (1, keypoints, heatmap_height,
                                        heatmap_width)
    assert all(torch.isfinite(o).all() for o in outputs)


@pytest.mark.parametrize('name,plain', POSE_START_CONFIGS.items())
def test_pose_start_changes_only_the_backbone_start(name, plain):
    cfg, plain_cfg = load(name).to_dict(), load(plain).to_dict()
    init = cfg['model']['backbone'].pop('init_cfg')
    plain_init = plain_cfg['model']['backbone'].pop('init_cfg')
    assert cfg == plain_cfg
    assert init['type'] == 'Pretrained' and init['prefix'] == 'backbone.'
    assert init['checkpoint'].startswith(MODEL_ZOO + 'mmpose/')
    assert init['checkpoint'] != plain_init['checkpoint']


def zoo_checkpoint(cfg: Config, path) -> dict:
    """Save a model of ``cfg``'s architecture with MMPose's 17 COCO
    keypoints, in the model zoo's layout (``meta``, ``state_dict`` with
    ``backbone.``/``head.`` keys); return its backbone weights."""
    cfg = copy.deepcopy(cfg)
    cfg.model.backbone.init_cfg = None
    cfg.model.head.out_channels = 17
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():  # unlike any fresh initialization
        for param in model.parameters():
            param.add_(torch.rand_like(param))
    torch.save(dict(meta=dict(epoch=210), state_dict=model.state_dict()), path)
    return model.backbone.state_dict()


@pytest.mark.parametrize('name,plain',
                         [(f'hrnet_w32_{c}_coco', f'hrnet_w32_{c}')
                          for c in CATEGORIES] +
                         [('hrnet_w32_blouse_coco', 'hrnet_w32_all'),
                          ('rtmpose_m_skirt_aic_coco', 'rtmpose_m_skirt'),
                          ('rtmpose_m_blouse_aic_coco', 'rtmpose_m_all')])
def test_pose_checkpoint_loads_the_backbone_and_not_the_head(
        tmp_path, name, plain):
    """The ``init_cfg`` of ``name`` (prefix ``backbone.``) on ``plain``'s
    head: 13/14/15/4/7/24 outputs, where the checkpoint has 17."""
    cfg = load(plain)
    cfg.model.backbone.init_cfg = load(name).model.backbone.init_cfg
    cfg.model.backbone.init_cfg.checkpoint = str(tmp_path / 'zoo.pth')
    expected = zoo_checkpoint(cfg, tmp_path / 'zoo.pth')

    model = MODELS.build(cfg.model)
    model.init_weights()  # what the runner calls; raises on a bad file
    loaded = model.backbone.state_dict()
    assert loaded.keys() == expected.keys()
    skipped = [k for k in expected if not torch.equal(loaded[k], expected[k])]
    assert not skipped, f'backbone weights not loaded: {skipped[:5]}'
    outputs = num_category_keypoints(category_of(plain))
    assert model.head.out_channels == outputs
    head_shapes = {tuple(p.shape) for p in model.head.parameters()}
    assert any(outputs in shape for shape in head_shapes)


TINY_RTMPOSE_CODEC = """codec = dict(
    type='SubpixelSimCCLabel', input_size=(64, 64), sigma=(1.4, 1.4),
    simcc_split_ratio=2.0, normalize=False, use_dark=False)
"""
TINY_RTMPOSE_MODEL = """model = dict(
    backbone=dict(init_cfg=None),
    head=dict(input_size=codec['input_size'], in_featuremap_size=(2, 2),
              decoder=codec))
"""
TINY_RTMPOSE_HOOKS = """
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='WeightsOnlyCheckpointHook'),
    dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0002,
         update_buffers=True, priority=49),
    dict(type='mmdet.PipelineSwitchHook', switch_epoch=1,
         switch_pipeline=pipeline_for_codec(_base_.train_pipeline_stage2,
                                            codec)),
]
"""


@pytest.mark.slow
def test_rtmpose_trains_switches_pipeline_and_tests(tmp_path):
    """RTMPose-t's recipe, small, through `mim train` and `mim test`:
    mmdet's HSV jitter and pipeline switch, the registered blur and
    occlusion steps, EMA weights in the checkpoint, the SimCC flip test."""
    write_data(tmp_path / 'data', categories=('blouse', ))
    work_dir = tmp_path / 'work'
    config = tiny_config(
        CONFIG_DIR / 'rtmpose_t_blouse.py',
        work_dir,
        data_root=tmp_path / 'data',
        codec=TINY_RTMPOSE_CODEC,
        model=TINY_RTMPOSE_MODEL,
        extra=TINY_RTMPOSE_HOOKS)
    log = mim('train', 'mmpose', config, cwd=REPO_ROOT)
    assert log.count('Switch pipeline now!') == 1  # before epoch 2
    val_ne = [float(v) for v in NE_PATTERN.findall(log)]
    assert len(val_ne) == 2
    best = best_checkpoint(work_dir)
    checkpoint = torch.load(best, weights_only=True)
    assert 'ema_state_dict' in checkpoint
    log = mim_test(config, best, cwd=REPO_ROOT)
    (test_ne, ) = [float(v) for v in NE_PATTERN.findall(log)]
    assert test_ne == pytest.approx(min(val_ne), abs=1e-6)

    # a submission from tools/predict.py evaluates to the runner's NE
    val_csv = tmp_path / 'data' / 'val' / 'Annotations' / 'val.csv'
    test_list = write_test_list(val_csv, tmp_path / 'test.csv')
    submission = tmp_path / 'submission.csv'
    for tool, *args in (('predict.py', test_list, tmp_path / 'data' / 'val',
                         submission, '--model', f'blouse={best}', '--config',
                         f'blouse={config}', '--num-workers', '0'),
                        ('evaluate.py', val_csv, submission)):
        result = run_python(
            TOOLS / tool, *args, ignore_warnings=False, check=True)
    tool_ne = float(result.stdout.splitlines()[0].split()[1])
    assert tool_ne == pytest.approx(test_ne, abs=0.01)
