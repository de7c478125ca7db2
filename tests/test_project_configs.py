"""Every project config loads, agrees with itself and the keypoint
definitions, and its model builds and runs (full size, one image)."""
import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS
from test_configs import check_codec_consistency

from fashionai_core.keypoints import num_category_keypoints
from fixtures import REPO_ROOT

PROJECTS = REPO_ROOT / 'projects'
CONFIGS = sorted(PROJECTS.glob('*/configs/*.py'))
#: mmdet configs, tested in their project's own test file
DETECTOR_CONFIG_PREFIX = 'rtmdet_'


def test_every_project_has_configs_and_a_readme():
    names = {p.name for p in PROJECTS.iterdir() if p.is_dir()}
    assert names >= {
        'cascade_refine', 'densenet_backbone', 'regression_baseline',
        'hard_example_mining', 'garment_detector'
    }
    for name in names - {'__pycache__'}:
        assert (PROJECTS / name / 'README.md').exists(), name
        assert list((PROJECTS / name / 'configs').glob('*.py')), name


@pytest.mark.parametrize(
    'path', [
        p for p in CONFIGS if not p.name.startswith('cascade_')
        and not p.name.startswith(DETECTOR_CONFIG_PREFIX)
    ],
    ids=lambda p: f'{p.parent.parent.name}/{p.name}')
def test_project_config_builds_and_runs(path):
    cfg = Config.fromfile(str(path))
    category = cfg.train_dataloader.dataset.category
    head = cfg.model.head
    outputs = head.get('out_channels', head.get('num_joints'))
    assert outputs == (24 if category == 'all' else
                       num_category_keypoints(category))
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        assert loader.dataset.category == category
    codec = check_codec_consistency(cfg)
    assert cfg.codec == codec, 'the top-level codec is the one decoded'
    project = path.parent.parent.name
    # the detector project's keypoint configs are the demo's on other boxes
    uses_project_code = {
        'hard_example_mining': 'hard_sampling' in path.name,
        'garment_detector': False
    }.get(project, True)
    assert (f'projects.{project}'
            in cfg.custom_imports.imports) is uses_project_code

    cfg.model.backbone.init_cfg = None  # no downloads here
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    size = codec.input_size
    with torch.no_grad():
        output = model(torch.rand(1, 3, size[1], size[0]), None, mode='tensor')
    output = output[0] if isinstance(output, tuple) else output
    assert output.shape[:2] == (1, outputs)
    assert torch.isfinite(output).all()


def test_cascade_config_joins_the_two_stage_configs():
    cfg = Config.fromfile(
        str(PROJECTS / 'cascade_refine' / 'configs' /
            'cascade_res18_all_128_demo.py'))
    stage2 = Config.fromfile(
        str(PROJECTS / 'cascade_refine' / 'configs' /
            'stage2_res18_all_128_demo.py'))
    assert cfg.model.type == 'CascadeTopdownPoseEstimator'
    assert cfg.model.stage2 == stage2.model
    assert cfg.model.margin == stage2.crop_margin
    steps = [s.type for s in cfg.test_dataloader.dataset.pipeline]
    assert steps[:2] == ['LoadImage', 'KeepOriginalImage']
    pack = cfg.test_dataloader.dataset.pipeline[-1]
    assert 'original_img' in pack.meta_keys
    assert [s.type for s in cfg.model.crop_pipeline
            ] == ['GetBBoxCenterScale', 'TopdownAffine', 'PackPoseInputs']
    model = MODELS.build(cfg.model)
    assert model.edge == 4.0  # one 32x32 heatmap cell of a 128-pixel crop
