"""Every shipped config works as ``_base_ = 'mmkd::...'`` in a user's own
project: MMEngine gives the dicts of such a base mmkd's ``_scope_``, so the
mmdet/mmseg/MMEngine types a config names must carry their own scope.

Each config is loaded through a one-line config in a temporary project and
every ``type`` it names must resolve to the class it resolves to when the
config is loaded directly. A sample is then built (models, datasets, hooks,
metrics, a dataloader, mmseg's ``inference_model``)."""
import glob
import os.path as osp
from functools import lru_cache

import numpy as np
import pytest
from mmengine.config import Config
from tool_utils import REPO

from mmkd.utils.config_check import register_config_scope

CONFIGS = sorted(
    osp.relpath(path, osp.join(REPO, 'configs')) for path in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True))


@pytest.fixture(scope='module', autouse=True)
def registries():
    import mmdet.utils
    import mmseg.utils

    from mmkd.utils import register_all_modules
    register_config_scope()
    register_all_modules(init_default_scope=False)
    mmdet.utils.register_all_modules(init_default_scope=False)
    mmseg.utils.register_all_modules(init_default_scope=False)


def through_mmkd_base(tmp_path, rel: str, extra: str = '') -> Config:
    """``rel`` loaded as the base of a config in a user's project."""
    path = tmp_path / 'my_config.py'
    path.write_text(f"_base_ = 'mmkd::{rel}'\n{extra}")
    return Config.fromfile(str(path))


@lru_cache(maxsize=None)
def resolve(name: str, scope: str) -> tuple:
    """The classes/functions ``name`` builds in ``scope``, over every root
    registry of MMEngine (the position in a config does not say which)."""
    import mmengine.registry as registries
    found = []
    for root in vars(registries).values():
        if not isinstance(root, registries.Registry) or root.parent:
            continue
        registry = root if root.scope == scope else root._search_child(scope)
        # a scope without a child of this root builds from the root itself
        # (MMEngine's switch_scope_and_registry does the same)
        registry = registry or root
        obj = registry.get(name) if registry is not None else None
        if obj is not None:
            found.append(obj)
    return tuple(found)


def typed_dicts(cfg: Config) -> dict:
    """``{key path: (type, the scope it is built in)}``: the nearest
    ``_scope_`` around it, else the config's default scope."""
    found = {}

    def walk(node, scope, path):
        if isinstance(node, dict):
            scope = node.get('_scope_') or scope
            if isinstance(node.get('type'), str):
                found[path] = (node['type'], scope)
            for key, value in node.items():
                walk(value, scope, f'{path}.{key}')
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                walk(value, scope, f'{path}[{i}]')

    walk(cfg.to_dict(), cfg.get('default_scope'), '')
    return found


@pytest.mark.parametrize('rel', CONFIGS)
def test_config_works_as_an_mmkd_base(rel, tmp_path):
    inherited = through_mmkd_base(tmp_path, rel)
    # MMEngine passes a collate_fn's keys to the function itself
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        collate = (inherited.get(loader) or {}).get('collate_fn')
        assert '_scope_' not in (collate or {}), f'{rel} {loader}'
    if inherited.get('default_scope') == 'mmkd':
        return  # mmkd's scope is the config's own: every type builds alike
    direct = Config.fromfile(osp.join(REPO, 'configs', rel))
    ours, theirs = typed_dicts(direct), typed_dicts(inherited)
    assert ours.keys() == theirs.keys()
    for path, (name, scope) in ours.items():
        built = resolve(name, scope)
        if built:  # e.g. nms=dict(type='nms') names no registered type
            assert resolve(*theirs[path]) == built, (
                f'{rel}{path}: {name} is {built} in the config, '
                f'{resolve(*theirs[path])} in scope {theirs[path][1]} '
                'through an mmkd:: base')


def built_in_scope(cfg, registry, node):
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.default_scope)
    return registry.build(node)


SEG = 'mmseg/tiny/pspnet_r18_tiny-seg.py'


def test_mmseg_config_builds_and_infers_through_an_mmkd_base(tmp_path):
    from mmengine.registry import DATASETS, HOOKS, METRICS, MODELS, VISUALIZERS
    from mmseg.apis import inference_model, init_model
    cfg = through_mmkd_base(tmp_path, SEG)
    built_in_scope(cfg, MODELS, cfg.model)
    dataset = built_in_scope(
        cfg, DATASETS, dict(cfg.train_dataloader.dataset, lazy_init=True))
    assert type(dataset).__module__.startswith('mmseg.')
    assert [
        type(t).__module__.split('.')[0] for t in dataset.pipeline.transforms
    ] == ['mmcv', 'mmseg', 'mmseg', 'mmseg']
    built_in_scope(cfg, VISUALIZERS, dict(cfg.visualizer, name='mmkd-base'))
    hook = built_in_scope(cfg, HOOKS, cfg.default_hooks.visualization)
    assert type(hook).__name__ == 'SegVisualizationHook'
    built_in_scope(cfg, METRICS, cfg.val_evaluator)
    model = init_model(cfg, device='cpu')
    result = inference_model(model, np.zeros((64, 64, 3), np.uint8))
    assert tuple(result.pred_sem_seg.data.shape) == (1, 64, 64)


def test_distillation_configs_build_through_an_mmkd_base(tmp_path):
    from mmengine.registry import HOOKS, MODELS
    for rel in ('mmseg/tiny/cwd_logits_pspnet_r34-r18_tiny-seg.py',
                'mmdet/tiny/yolox-kd_yolox_tiny-coco.py'):
        cfg = through_mmkd_base(
            tmp_path, rel,
            'model = dict(teacher_ckpt=None, teacher_ckpt_optional=True)\n')
        model = built_in_scope(cfg, MODELS, cfg.model)
        assert type(model).__name__ == 'SingleTeacherDistill'
        for hook in cfg.custom_hooks:
            built_in_scope(cfg, HOOKS, hook)


def test_mmdet_configs_build_through_an_mmkd_base(tmp_path):
    from mmengine.registry import DATASETS, MODELS, TRANSFORMS
    for rel in ('mmdet/tiny/retinanet_r18_fpn_tiny-coco.py',
                'mmdet/tiny/yolox_tiny_tiny-coco.py'):
        cfg = through_mmkd_base(tmp_path, rel)
        built_in_scope(cfg, MODELS, cfg.model)
        built_in_scope(cfg, DATASETS,
                       dict(cfg.train_dataloader.dataset, lazy_init=True))
        flip = built_in_scope(cfg, TRANSFORMS, cfg.train_pipeline[3])
        assert type(flip).__module__.startswith('mmdet.')  # not mmcv's


def test_dafl_dataloader_builds_through_an_mmkd_base(tmp_path):
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    cfg = through_mmkd_base(tmp_path, 'digits/dafl_cnn64x5_cnn8x2_digits.py')
    init_default_scope(cfg.default_scope)
    loader = Runner.build_dataloader(cfg.train_dataloader)
    assert next(iter(loader)) == {}  # pseudo_collate of one {} item
