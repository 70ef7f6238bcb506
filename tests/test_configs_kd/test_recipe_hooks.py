"""The helpers that make a run train its declared recipe
(mmkd/engine/hooks/recipe*.py): the total batch divided over processes,
the effective recipe and its differences, the init stage of two-stage
methods (on tiny models) and the dataset labels for CRD."""
import logging
import types

import pytest
import torch
from data_utils import make_tiny_cifar
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from torch.utils.data import DataLoader

from mmkd.engine.hooks import (DatasetLabelsHook, InitStageHook,
                               apply_total_batch_size)
from mmkd.engine.hooks.recipe_hook import describe, differences
from mmkd.engine.hooks.recipe_labels import dataset_labels
from mmkd.engine.hooks.recipe_layout import launch_world_size
from mmkd.registry import DATASETS, MODELS


def recipe_cfg(**extra):
    return Config(
        dict(
            recipe=dict(total_batch_size=64, lr=0.05, max_epochs=240),
            train_dataloader=dict(batch_size=64),
            **extra))


@pytest.mark.parametrize('world_size,per_process', [(1, 64), (2, 32), (8, 8),
                                                    (64, 1)])
@pytest.mark.parametrize('cuda', [True, False])
def test_total_batch_is_divided_over_the_processes(world_size, per_process,
                                                   cuda, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    cfg = apply_total_batch_size(recipe_cfg(), world_size)
    assert cfg.train_dataloader.batch_size == per_process
    # BN statistics over the total batch whenever it is divided over GPUs
    # (PyTorch's SyncBN needs CUDA)
    sync = world_size > 1 and cuda
    assert cfg.get('sync_bn') == ('torch' if sync else None)


def test_total_batch_that_does_not_divide_is_an_error():
    with pytest.raises(ValueError, match=r'total_batch_size=64.*3 processes'):
        apply_total_batch_size(recipe_cfg(), 3)


def test_configs_without_a_total_and_explicit_sync_bn_are_kept(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(dict(train_dataloader=dict(batch_size=16)))
    assert apply_total_batch_size(cfg, 8).train_dataloader.batch_size == 16
    # a batch size the user set (--cfg-options) is per process, as given
    cfg = recipe_cfg()
    cfg.train_dataloader.batch_size = 16
    cfg = apply_total_batch_size(cfg, 8)
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.get('sync_bn') is None
    cfg = apply_total_batch_size(recipe_cfg(sync_bn='mmcv'), 4)
    assert cfg.sync_bn == 'mmcv'
    cfg = recipe_cfg()
    cfg.recipe.sync_bn = False
    assert apply_total_batch_size(cfg, 4).get('sync_bn') is None


def test_world_size_comes_from_the_launcher(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '8')
    assert launch_world_size(Config(dict(launcher='pytorch'))) == 8
    assert launch_world_size(Config(dict(launcher='none'))) == 1
    cfg = recipe_cfg(launcher='pytorch')
    assert apply_total_batch_size(cfg).train_dataloader.batch_size == 8


def effective(**kw):
    recipe = dict(
        world_size=1,
        batch_size_per_process=64,
        accumulative_counts=1,
        total_batch_size=64,
        lr=0.05,
        max_epochs=240,
        iters_per_epoch=782,
        max_iters=187680,
        sync_bn=False,
        bn_batch_size=64)
    recipe.update(kw)
    return recipe


def test_effective_recipe_is_described_and_compared():
    declared = dict(total_batch_size=64, lr=0.05, max_epochs=240)
    assert differences(effective(), declared) == []
    eight = effective(world_size=8, batch_size_per_process=8, sync_bn=True)
    assert differences(eight, declared) == []
    assert describe(eight) == (
        '8 processes x 8 images = 64 images per step, lr 0.05, 240 epochs x '
        '782 iterations = 187680 iterations, BN statistics over 64 images '
        '(SyncBN)')
    one = effective(max_epochs=1, iters_per_epoch=1, max_iters=1)
    assert '1 epoch x 1 iteration = 1 iteration,' in describe(one)
    assert differences(one, declared) == ['1 epoch (declared 240)']
    # the headline command without the division: 8 x 64 at lr 0.05
    wrong = effective(
        world_size=8,
        total_batch_size=512,
        max_iters=23520,
        iters_per_epoch=98)
    found = differences(wrong, declared)
    assert found == ['512 images per step (declared 64)']
    small_bn = effective(
        world_size=8,
        batch_size_per_process=8,
        lr=0.1,
        max_epochs=10,
        bn_batch_size=8)
    assert differences(small_bn, declared) == [
        'lr 0.1 (declared 0.05)', '10 epochs (declared 240)',
        'BN statistics over 8 images per process (declared batch 64; SyncBN '
        'is off)'
    ]


def recipe_runner(declared, warnings, **effective_values):
    """A stand-in runner whose effective recipe is ``effective()``; its
    logger's warnings go to ``warnings``."""
    return types.SimpleNamespace(
        cfg=dict(recipe=declared),
        effective=effective(**effective_values),
        message_hub=types.SimpleNamespace(update_info=lambda *a: None),
        logger=types.SimpleNamespace(
            info=lambda m: None, warning=warnings.append),
        log_dir=None)


@pytest.mark.parametrize('mode', [None, 'error', 'warn', 'ignore'])
def test_a_recipe_difference_stops_the_run_unless_accepted(mode, monkeypatch):
    import mmkd.engine.hooks.recipe_hook as recipe_hook
    monkeypatch.setattr(recipe_hook, 'effective_recipe',
                        lambda runner: runner.effective)
    monkeypatch.setattr(recipe_hook, 'is_main_process', lambda: False)
    declared = dict(total_batch_size=64, lr=0.05, max_epochs=240)
    if mode:
        declared['mismatch'] = mode
    warnings = []
    hook = recipe_hook.RecipeHook()
    if mode != 'ignore':
        hook.before_train(recipe_runner(declared, warnings))  # same: runs
    shorter = recipe_runner(declared, warnings, max_epochs=2)
    if mode == 'warn':
        hook.before_train(shorter)
        assert warnings == [
            'The effective recipe differs from the recipe this config '
            'declares (the setting behind its published numbers): 2 epochs '
            '(declared 240).'
        ]
    elif mode == 'ignore':
        with pytest.raises(
                recipe_hook.RecipeMismatchError,
                match="mismatch must be one of"):
            hook.before_train(shorter)
    else:
        with pytest.raises(
                recipe_hook.RecipeMismatchError,
                match=r'2 epochs \(declared 240\)\. To train '
                'this setting on purpose, add --cfg-options '
                'recipe.mismatch=warn'):
            hook.before_train(shorter)


# ------------------------------------------------------------ init stage
@pytest.fixture(scope='module')
def loader(tmp_path_factory):
    init_default_scope('mmkd')
    root = make_tiny_cifar(
        str(tmp_path_factory.mktemp('cifar')),
        num_classes=100,
        num_train=6,
        num_test=2)
    dataset = DATASETS.build(
        dict(
            type='CIFAR100',
            data_root=root,
            split='train',
            pipeline=[dict(type='PackClsInputs')]))
    return DataLoader(dataset, batch_size=3, collate_fn=pseudo_collate)


def tiny_algorithm(distiller):
    init_default_scope('mmkd')
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='SingleTeacherDistill',
            architecture=dict(type='resnet8', num_classes=100),
            teacher=dict(type='resnet8', num_classes=100),
            teacher_ckpt_optional=True,
            data_preprocessor=dict(type='ImgDataPreprocessor'),
            distiller=distiller))


def fake_runner(model, loader, iteration=0):
    return types.SimpleNamespace(
        model=model,
        train_dataloader=loader,
        iter=iteration,
        logger=logging.getLogger('test_init_stage'))


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed_keys(before, module):
    return {
        k
        for k, v in module.state_dict().items()
        if not torch.equal(before[k], v)
    }


FSP = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['relu', 'layer1', 'layer2', 'layer3'],
    teacher_distill_layer=['relu', 'layer1', 'layer2', 'layer3'],
    loss=[dict(type='FSPLoss')])


def test_init_stage_trains_the_student_features_then_stops_distilling(loader):
    """FSP/AB: the student's feature modules learn the distill loss alone
    (its classifier, the teacher untouched), then CE only."""
    model = tiny_algorithm(FSP)
    student, teacher = snapshot(model.student), snapshot(model.teacher)
    flags = [p.requires_grad for p in model.parameters()]
    hook = InitStageHook(
        epochs=2,
        train=['architecture'],
        exclude=['architecture.linear'],
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9),
        after='student_only')
    hook.before_train(fake_runner(model, loader))
    changed = changed_keys(student, model.student)
    assert any(k.startswith('layer3.') for k in changed)
    assert 'conv1.weight' in changed
    assert not {'linear.weight', 'linear.bias'} & changed
    assert not changed_keys(teacher, model.teacher)
    assert model.distillation_stopped
    assert [p.requires_grad for p in model.parameters()] == flags
    assert all(p.grad is None for p in model.parameters())
    assert model.training


def test_init_stage_pretrains_and_freezes_the_ft_paraphraser(loader):
    """FT: only the paraphraser learns (its reconstruction), then stays
    frozen while FT distils."""
    model = tiny_algorithm(
        dict(
            type='ConfigurableDistiller',
            student_distill_layer=['layer3'],
            teacher_distill_layer=['layer3'],
            connectors=[
                dict(type='Translator', in_channels=64, out_channels=64)
            ],
            loss=[
                dict(
                    type='FTLoss',
                    in_channels=64,
                    formula='repdistiller',
                    paraphraser_mode='frozen',
                    loss_weight=200.0)
            ]))
    ft = model.distiller.distill_losses['loss_ft']
    student = snapshot(model.student)
    paraphraser = snapshot(ft.paraphraser)
    hook = InitStageHook(
        epochs=1,
        train=['distiller.distill_losses.loss_ft.paraphraser'],
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
    hook.before_train(fake_runner(model, loader))
    assert changed_keys(paraphraser, ft.paraphraser) == set(paraphraser)
    assert not changed_keys(student, model.student)  # BN stats included
    assert not ft.init_stage and not model.distillation_stopped
    assert not any(p.requires_grad for p in ft.paraphraser.parameters())
    # the main stage: FT on the frozen paraphraser
    data = model.data_preprocessor(next(iter(loader)), True)
    losses = model(**data, mode='loss')
    losses['distill.loss_ft'].backward()
    assert all(p.grad is None for p in ft.paraphraser.parameters())
    assert model.distiller.connectors['connector_0'].encoder[0].weight.grad \
        is not None


def test_resumed_run_skips_the_init_stage(loader):
    model = tiny_algorithm(FSP)
    student = snapshot(model.student)
    hook = InitStageHook(
        epochs=5, exclude=['architecture.linear'], after='student_only')
    hook.before_train(fake_runner(model, loader, iteration=10))
    assert not changed_keys(student, model.student)
    assert model.distillation_stopped


def test_init_stage_arguments_are_checked(loader):
    with pytest.raises(ValueError, match='after must be one of'):
        InitStageHook(after='ce')
    with pytest.raises(TypeError, match='lists of module names'):
        InitStageHook(train='architecture')
    with pytest.raises(KeyError, match='no module'):
        InitStageHook(train=['student']).before_train(
            fake_runner(tiny_algorithm(FSP), loader))


# ------------------------------------------------------- dataset labels
def test_dataset_labels_reach_crd(loader):
    labels = dataset_labels(loader.dataset)
    assert labels == [
        int(loader.dataset.get_data_info(i)['gt_label'])
        for i in range(len(loader.dataset))
    ]
    model = tiny_algorithm(
        dict(
            type='ConfigurableDistiller',
            student_distill_layer=['avgpool'],
            teacher_distill_layer=['avgpool'],
            loss=[
                dict(
                    type='CRDLoss',
                    in_channels=64,
                    out_channels=64,
                    n_data=6,
                    nce_k=2,
                    feat_dim=8,
                    negatives='other_classes')
            ]))
    DatasetLabelsHook().before_train(fake_runner(model, loader))
    crd = model.distiller.distill_losses['loss_crd']
    assert crd.dataset_labels.tolist() == labels
    data = model.data_preprocessor(next(iter(loader)), True)
    assert torch.isfinite(model(**data, mode='loss')['distill.loss_crd'])
