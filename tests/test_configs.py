"""Every shipped config loads, holds the values that matter, and runs."""

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from fashionai_core.keypoints import CATEGORIES, num_category_keypoints
from fixtures import CONFIG_DIR, TOOLS

FAMILIES = ('hrnet_w32', 'res50', 'cpm')
CONFIGS = [(family, category) for family in FAMILIES
           for category in CATEGORIES]
DEMO_CONFIG = 'res18_all_128_demo'
SMALL_HRNET_CONFIG = 'hrnet_w16_all_128_demo'
SIZES = (384, 512)
SIZE_CONFIGS = [(family, category, size) for family in ('hrnet_w32', 'res50')
                for category in CATEGORIES for size in SIZES]
ALL_CONFIG = 'hrnet_w32_all'
# configs/fashionai/README.md names each family and start
RTMPOSE_CONFIGS = [f'rtmpose_{m}_{c}' for m in 'tsm' for c in CATEGORIES] + [
    f'rtmpose_m_{c}_384' for c in CATEGORIES
] + ['rtmpose_m_all', 'rtmpose_t_all_128_demo']
SEED_BACKBONE_CONFIGS = [
    f'{vgg}_{c}' for vgg in ('vgg16', 'vgg19') for c in CATEGORIES
]
HRNET_W48_CONFIGS = [f'hrnet_w48_{c}_384' for c in CATEGORIES]
# pose-pretrained starts: <config>_<the data its weights were trained on>
POSE_START_CONFIGS = {
    **{
        f'hrnet_w32_{c}_coco': f'hrnet_w32_{c}'
        for c in CATEGORIES
    },
    **{
        f'hrnet_w48_{c}_384_coco': f'hrnet_w48_{c}_384'
        for c in CATEGORIES
    },
    **{
        f'rtmpose_m_{c}_aic_coco': f'rtmpose_m_{c}'
        for c in CATEGORIES
    },
}
FAST_CONFIGS = {
    'hrnet_w32_blouse_fast': 128,
    'res50_blouse_fast': 128,
    'res18_all_128_demo_fast': 32,
}


def load(family, category):
    return Config.fromfile(str(CONFIG_DIR / f'{family}_{category}.py'))


def test_no_stray_configs():
    shipped = {p.stem for p in CONFIG_DIR.glob('*.py')}
    assert shipped == (
        {f'{f}_{c}'
         for f, c in CONFIGS}
        | {DEMO_CONFIG, SMALL_HRNET_CONFIG}
        | set(FAST_CONFIGS) | {ALL_CONFIG}
        | {f'{f}_{c}_{s}'
           for f, c, s in SIZE_CONFIGS}
        | {f'{f}_{c}_tta'
           for f in ('hrnet_w32', 'res50')
           for c in CATEGORIES}
        | {f'{DEMO_CONFIG}_tta', f'{SMALL_HRNET_CONFIG}_tta'}
        | {f'hrnet_w32_{c}_pseudo'
           for c in CATEGORIES} | {f'{SMALL_HRNET_CONFIG}_pseudo'}
        | {'ensemble_hrnet_w32_res50_blouse'}
        | {'hrnet_w32_blouse_cleaned', 'hrnet_w32_blouse_no_occluded'}
        | set(RTMPOSE_CONFIGS) | set(SEED_BACKBONE_CONFIGS)
        | set(HRNET_W48_CONFIGS) | set(POSE_START_CONFIGS))


@pytest.mark.parametrize('family,category,size', SIZE_CONFIGS)
def test_input_size_variants(family, category, size):
    cfg = Config.fromfile(str(CONFIG_DIR / f'{family}_{category}_{size}.py'))
    plain = load(family, category)
    codec = check_codec_consistency(cfg)
    assert codec.type == plain.model.head.decoder.type
    assert codec.input_size == (size, size)
    assert codec.heatmap_size == (size // 4, size // 4)
    assert codec.sigma == 2 * size / 256
    assert cfg.model.head.out_channels == num_category_keypoints(category)
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        assert loader.dataset.category == category
    # only the size differs from the 256 config
    assert cfg.model.backbone == plain.model.backbone
    assert cfg.optim_wrapper == plain.optim_wrapper


@pytest.mark.parametrize('family', ['hrnet_w32', 'res50'])
def test_512_models_run(family):
    cfg = Config.fromfile(str(CONFIG_DIR / f'{family}_skirt_512.py'))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        heatmaps = model(torch.rand(1, 3, 512, 512), None, mode='tensor')
    assert tuple(heatmaps.shape) == (1, 4, 128, 128)


def test_all_category_config():
    cfg = Config.fromfile(str(CONFIG_DIR / f'{ALL_CONFIG}.py'))
    check_codec_consistency(cfg)
    assert cfg.model.head.out_channels == 24
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        assert loader.dataset.category == 'all'


@pytest.mark.parametrize('name,batch_size', FAST_CONFIGS.items())
def test_fast_configs(name, batch_size):
    fast = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    plain = Config.fromfile(str(CONFIG_DIR / f'{name[:-len("_fast")]}.py'))
    assert fast.optim_wrapper.type == 'MixedPrecisionOptimWrapper'
    assert fast.optim_wrapper.optimizer == plain.optim_wrapper.optimizer
    assert fast.env_cfg.cudnn_benchmark
    assert fast.auto_scale_lr.enable
    assert fast.auto_scale_lr.base_batch_size == (
        plain.auto_scale_lr.base_batch_size)
    hooks = [h.type for h in fast.custom_hooks]
    assert hooks == [h.type for h in plain.custom_hooks
                     ] + ['ChannelsLastHook', 'Float32HeadOutputHook']
    loader = fast.train_dataloader
    assert loader.batch_size == batch_size
    assert isinstance(loader.num_workers, int) and loader.num_workers >= 1
    assert loader.persistent_workers
    assert loader.pin_memory
    # everything else is the plain config's
    assert fast.model == plain.model
    assert loader.dataset == plain.train_dataloader.dataset
    assert fast.val_dataloader == plain.val_dataloader


def check_codec_consistency(cfg):
    """The codec in the pipelines is the codec the head decodes with."""
    codec = cfg.model.head.decoder
    targets = [
        s for s in cfg.train_dataloader.dataset.pipeline
        if s.type == 'GenerateTarget'
    ]
    assert [t.encoder for t in targets] == [codec]
    udp = codec.type == 'UDPHeatmap'
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        affine = [
            s for s in loader.dataset.pipeline if s.type == 'TopdownAffine'
        ]
        assert [a.input_size for a in affine] == [codec.input_size]
        assert [a.get('use_udp', False) for a in affine] == [udp]
    if codec.type in ('UDPHeatmap', 'MSRAHeatmap'):
        # flip test: MSRA-style heatmaps are shifted by a pixel, UDP's not
        assert cfg.model.test_cfg.shift_heatmap is not udp
    return codec


def test_demo_config():
    cfg = Config.fromfile(str(CONFIG_DIR / f'{DEMO_CONFIG}.py'))
    codec = check_codec_consistency(cfg)
    assert codec.input_size == (128, 128) and codec.unbiased
    assert cfg.model.head.out_channels == 24
    assert cfg.model.backbone.init_cfg is None  # runs offline, from scratch
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        assert loader.dataset.category == 'all'
    (bbox_transform, ) = [
        s for s in cfg.train_dataloader.dataset.pipeline
        if s.type == 'RandomBBoxTransform'
    ]
    assert bbox_transform.rotate_factor == 30.0
    steps = [s.type for s in cfg.train_dataloader.dataset.pipeline]
    assert 'PhotometricDistortion' not in steps
    assert 'ZeroWeightOutsideInput' in steps
    assert cfg.val_evaluator.type == 'FashionAIMetric'
    assert cfg.param_scheduler[1].end == cfg.train_cfg.max_epochs


def test_demo_model_is_the_small_model_recipe_with_an_hrnet():
    """`make demo` trains the small HRNet (tools/demo.py): the recipe of
    the half-width ResNet-18 config, a longer schedule."""
    cfg = Config.fromfile(str(CONFIG_DIR / f'{SMALL_HRNET_CONFIG}.py'))
    small_resnet = Config.fromfile(str(CONFIG_DIR / f'{DEMO_CONFIG}.py'))
    assert check_codec_consistency(cfg) == small_resnet.model.head.decoder
    assert cfg.model.backbone.type == 'HRNet'
    assert cfg.model.backbone.init_cfg is None  # runs offline
    assert cfg.model.backbone.extra.stage4.num_channels == (16, 32, 64, 128)
    assert cfg.model.head.in_channels == 16
    assert cfg.train_dataloader == small_resnet.train_dataloader
    assert cfg.optim_wrapper == small_resnet.optim_wrapper
    assert cfg.train_cfg.max_epochs == 18
    assert cfg.param_scheduler[1].end == cfg.train_cfg.max_epochs
    assert max(cfg.param_scheduler[1].milestones) < cfg.train_cfg.max_epochs
    demo_tool = (TOOLS / 'demo.py').read_text()
    assert f"'{SMALL_HRNET_CONFIG}.py'" in demo_tool
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():
        heatmaps = model(torch.rand(1, 3, 128, 128), None, mode='tensor')
    assert heatmaps.shape == (1, 24, 32, 32)
    assert sum(p.numel() for p in model.parameters()) < 1.5e6


@pytest.mark.parametrize('family,category', CONFIGS)
def test_config_values(family, category):
    cfg = load(family, category)
    num_keypoints = num_category_keypoints(category)
    head = cfg.model.head
    assert head.out_channels == num_keypoints
    if family == 'cpm':
        assert cfg.model.backbone.out_channels == num_keypoints
        assert head.in_channels == num_keypoints
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        assert loader.dataset.type == 'FashionAIDataset'
        assert loader.dataset.category == category
    assert cfg.train_dataloader.dataset.data_root == 'data/fashionai/train/'
    assert cfg.val_dataloader.dataset.data_root == 'data/fashionai/val/'
    assert cfg.val_dataloader.dataset.test_mode

    codec = check_codec_consistency(cfg)
    assert codec.type == 'UDPHeatmap'  # the lowest measured NE floor
    assert codec.input_size == (256, 256)
    assert codec.heatmap_size == ((32, 32) if family == 'cpm' else (64, 64))

    assert cfg.model.test_cfg.flip_test
    assert cfg.val_evaluator.type == cfg.test_evaluator.type == (
        'FashionAIMetric')
    assert cfg.default_hooks.checkpoint.save_best == 'fashionai/NE'
    assert cfg.default_hooks.checkpoint.rule == 'less'
    assert cfg.custom_imports.imports == [
        'fashionai_patches', 'fashionai_dataset'
    ]
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.optim_wrapper.optimizer.lr == 5e-4
    assert cfg.train_cfg.max_epochs == 210
    if family != 'cpm':  # MMPose trains CPM from scratch
        assert cfg.model.backbone.init_cfg.type == 'Pretrained'


@pytest.mark.parametrize('family,category', CONFIGS)
def test_full_size_model_builds_and_runs(family, category):
    cfg = load(family, category)
    cfg.model.backbone.init_cfg = None  # no downloads here
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    with torch.no_grad():
        heatmaps = model(torch.rand(1, 3, 256, 256), None, mode='tensor')
    if isinstance(heatmaps, (list, tuple)):  # CPM: one map per stage
        heatmaps = heatmaps[-1]
    size = cfg.model.head.decoder.heatmap_size
    assert tuple(heatmaps.shape) == (1, num_category_keypoints(category),
                                     size[1], size[0])
    assert torch.isfinite(heatmaps).all()


@pytest.mark.parametrize('name',
                         [f'hrnet_w32_{c}_pseudo' for c in CATEGORIES] +
                         [f'{SMALL_HRNET_CONFIG}_pseudo'])
def test_pseudo_label_configs_add_pseudo_rows_to_their_plain_config(name):
    """Each *_pseudo config trains its plain config's labelled set plus
    the pseudo-labelled one (same category and pipeline, decimal pixels,
    half weight), and differs from it in nothing else."""
    cfg = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    plain = Config.fromfile(str(CONFIG_DIR / f'{name[:-len("_pseudo")]}.py'))
    dataset = cfg.train_dataloader.dataset
    assert dataset.type == 'PseudoLabelConcatDataset'
    assert dataset.pseudo_labelled_share == 0.5
    assert dataset.labelled == plain.train_dataloader.dataset
    pseudo = dataset.pseudo_labelled
    assert pseudo.category == plain.train_dataloader.dataset.category
    assert pseudo.pipeline == plain.train_pipeline
    assert (pseudo.allow_decimal, pseudo.keypoint_weight) == (True, 0.5)
    assert pseudo.data_root == 'data/fashionai/unlabelled/'
    (target, ) = [s for s in pseudo.pipeline if s.type == 'GenerateTarget']
    assert target.use_dataset_keypoint_weights
    for key in ('model', 'val_dataloader', 'test_dataloader', 'train_cfg',
                'optim_wrapper', 'param_scheduler'):
        assert cfg[key] == plain[key], key
