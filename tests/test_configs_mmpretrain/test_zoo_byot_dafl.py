"""The mmpretrain zoo's BYOT (self-distillation) and DAFL (data-free)
folders, configs/mmpretrain/byot/ and dafl/ (MMRazor's CIFAR recipes as
mmkd configs, hand-written cards: tools/misc/recipe_cards.py cannot express
them):

- each card's ``Recipe.checked`` values are the config's, its batch and
  length are the config's, its numbers are published ones labelled with
  their MMRazor source, and model-index.yml lists it;
- each full-size config builds (random weights, nothing downloaded) and
  one training step gives the losses its card names, finite, with the
  logged ``loss`` the sum that is optimised; BYOT's heads bring each stage
  to the deepest stage's channels and size;
- each tiny version (configs/mmpretrain/tiny/) trains 2 iterations through
  the runner on the generated ImageNet-layout set and tests once."""
import math
import os
import os.path as osp
import sys

import pytest
import test_zoo as zoo
import torch
import yaml
from data_utils import make_tiny_imagenet
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import init_default_scope
from tool_utils import REPO

sys.path.insert(0, osp.join(REPO, 'tests', 'test_tools'))
sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
from convert_mmrazor_config import convert_file  # noqa: E402
from test_mmrazor_configs import razor  # noqa: E402,F401 (a fixture)

ZOO = 'configs/mmpretrain/'
CONFIGS = {
    'byot': 'byot/byot_resnet18_8xb16_cifar100.py',
    'dafl': 'dafl/dafl_resnet34_resnet18_8xb256_cifar10.py',
}
TINY = {
    'byot': 'tiny/byot_resnet18_tiny-in.py',
    'dafl': 'tiny/dafl_resnet34-resnet18_tiny-in.py',
}
# BYOT: heads on the first ReLU of layer1-3's last block, the last one
# without a hint (MMRazor's weight 0)
STAGES = [f'backbone.layer{k}.1.relu' for k in (1, 2, 3)]
KEYS = {
    'byot':
    {f'distill.{s}.loss_kd'
     for s in STAGES} | {f'distill.{s}.loss_feature'
                         for s in STAGES[:2]},
    'dafl': {'distill.loss_kd'},
}
OTHER_KEYS = {
    'byot': {'student.loss'} | {f'aux.{s}.loss_cls'
                                for s in STAGES},
    'dafl': {'gen.loss_one_hot', 'gen.loss_activation', 'gen.loss_entropy'},
}


def card_of(method: str) -> dict:
    with open(osp.join(REPO, ZOO, method, 'metafile.yml')) as f:
        (model, ) = yaml.safe_load(f)['Models']
    return model


def _get(cfg, key: str):
    for part in key.split('.'):
        cfg = cfg[int(part)] if isinstance(cfg, list) else cfg[part]
    return cfg


def check_losses(log_vars: dict, optimised: float, method: str):
    """The logged losses are the method's, finite, and ``loss`` is their
    sum, the one optimised."""
    parts = {
        k: float(torch.as_tensor(v).detach())
        for k, v in log_vars.items() if k != 'loss'
    }
    assert set(parts) == KEYS[method] | OTHER_KEYS[method], sorted(parts)
    zoo.check_log_vars(
        dict(parts, loss=float(torch.as_tensor(log_vars['loss']).detach())),
        torch.tensor(optimised), KEYS[method])


@pytest.mark.parametrize('method', sorted(CONFIGS))
def test_card_holds_what_the_config_trains(method):
    card = card_of(method)
    assert card['Config'] == ZOO + CONFIGS[method]
    cfg = Config.fromfile(osp.join(REPO, card['Config']))
    recipe = card['Metadata']['Recipe']
    assert recipe['checked'], 'nothing checked'
    for key, value in recipe['checked'].items():
        assert _get(cfg, key) == value, key
    if method == 'byot':  # the total batch, divided over the processes
        assert cfg.train_dataloader.batch_size == \
            cfg.recipe.total_batch_size == recipe['total_batch_size']
        assert cfg.train_cfg.max_epochs == card['Metadata']['Epochs']
    else:  # 8 processes x model.batch_size generated images per step
        assert 8 * cfg.model.batch_size == recipe['total_batch_size']
        assert cfg.train_cfg.max_iters == card['Metadata']['Iterations']
    assert recipe['total_batch_size'] == card['Metadata']['Batch Size']
    assert 'Results' not in card  # published numbers only, labelled so
    for published in card['Metadata']['Published results']:
        assert published['Source'].startswith('MMRazor 1.0.0')
    with open(osp.join(REPO, 'model-index.yml')) as f:
        assert f'{ZOO}{method}/metafile.yml' in yaml.safe_load(f)['Import']
    assert osp.isfile(osp.join(REPO, ZOO, method, 'README.md'))


def _build(path: str, **overrides):
    from mmkd.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, ZOO, path))
    init_default_scope(cfg.default_scope)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model_cfg.update(overrides)
    torch.manual_seed(0)
    return MODELS.build(model_cfg).train()


def test_full_size_byot_takes_a_step_with_heads_of_the_deepest_size():
    from mmpretrain.structures import DataSample
    algo = _build(CONFIGS['byot'])
    sizes = {}
    hooks = [
        algo.architecture.backbone.layer4.register_forward_hook(
            lambda m, i, o: sizes.update(deepest=tuple(o.shape[1:])))
    ] + [
        head.bottleneck.register_forward_hook(
            lambda m, i, o, key=key: sizes.update({key: tuple(o.shape[1:])}))
        for key, head in algo.aux_heads.items()
    ]
    # the first head reads the ReLU inside layer1's last block (its first
    # call, in place on norm1's output), not the stage's output
    block = algo.architecture.backbone.layer1[1]
    seen = {}
    hooks += [
        block.norm1.register_forward_hook(
            lambda m, i, o: seen.update(inner=o.data_ptr())),
        block.register_forward_hook(
            lambda m, i, o: seen.update(stage=o.data_ptr())),
        algo.aux_heads[STAGES[0].replace('.', '_')].register_forward_hook(
            lambda m, i, o: seen.update(head=i[0].data_ptr())),
    ]
    wrapper = OptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.0))
    optimised = []
    update = wrapper.update_params
    wrapper.update_params = lambda loss, **kw: (optimised.append(loss.item()),
                                                update(loss, **kw))[1]
    gen = torch.Generator().manual_seed(0)
    batch = dict(
        inputs=[
            torch.randint(
                0, 256, (3, 32, 32), generator=gen, dtype=torch.uint8)
            for _ in range(2)
        ],
        data_samples=[DataSample().set_gt_label(k) for k in (3, 97)])
    log_vars = algo.train_step(batch, optim_wrapper=wrapper)
    for hook in hooks:
        hook.remove()
    algo.teardown()
    assert len(optimised) == 1
    check_losses(log_vars, optimised[0], 'byot')
    assert sizes.pop('deepest') == (512, 4, 4)
    assert sizes == {s.replace('.', '_'): (512, 4, 4) for s in STAGES}
    assert seen['head'] == seen['inner'] != seen['stage']


def test_byot_head_hint_must_be_true_or_false():
    cfg = Config.fromfile(osp.join(REPO, ZOO, TINY['byot']))
    heads = [dict(h) for h in cfg.model.aux_heads]
    heads[2]['hint'] = 'no'
    with pytest.raises(TypeError, match=r"aux_heads\[2\]\.hint .* 'no'"):
        _build(TINY['byot'], aux_heads=heads)


def _catch_dict(wrappers: OptimWrapperDict, optimised: list) -> None:
    """Append each loss a part of ``wrappers`` optimises to ``optimised``
    as ``(part, loss)``."""
    for name in wrappers.keys():
        wrapper = wrappers[name]

        def update_params(loss,
                          _update=wrapper.update_params,
                          _name=name,
                          **kwargs):
            optimised.append((_name, loss.detach().clone()))
            return _update(loss, **kwargs)

        wrapper.update_params = update_params


def _summed(optimised: list) -> float:
    """The logged ``loss`` of a DAFL step: the generator's and the
    student's optimised losses added (in float32, as the step adds them)."""
    assert [part for part, _ in optimised] == ['generator', 'architecture']
    return (optimised[0][1] + optimised[1][1]).item()


def test_full_size_dafl_takes_a_step():
    # the card's networks and generator; 2 generated images, not 256
    algo = _build(
        CONFIGS['dafl'],
        teacher_ckpt=None,
        teacher_ckpt_optional=True,
        batch_size=2)
    wrappers = OptimWrapperDict(
        generator=OptimWrapper(
            torch.optim.SGD(algo.generator.parameters(), lr=0.0)),
        architecture=OptimWrapper(
            torch.optim.SGD(algo.architecture.parameters(), lr=0.0)))
    optimised = []
    _catch_dict(wrappers, optimised)
    log_vars = algo.train_step(None, optim_wrapper=wrappers)
    algo.teardown()
    check_losses(log_vars, _summed(optimised), 'dafl')
    assert log_vars['gen.loss_activation'] < 0  # minus a mean |feature|


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    # 16 training images: 2 iterations of the tiny BYOT's batch of 8
    return make_tiny_imagenet(
        str(tmp_path_factory.mktemp('tiny_in')), num_train=4, num_val=1)


class CatchOptimised(Hook):
    """Keeps the loss(es) each step optimises (one wrapper, or each part of
    an optimizer wrapper dict)."""

    def __init__(self):
        self.steps = []

    def before_train(self, runner):
        wrapper = runner.optim_wrapper
        if isinstance(wrapper, OptimWrapperDict):
            self.parts = []
            _catch_dict(wrapper, self.parts)
        else:
            update = wrapper.update_params

            def update_params(loss, **kwargs):
                self.steps.append(loss.item())
                return update(loss, **kwargs)

            wrapper.update_params = update_params

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if hasattr(self, 'parts'):
            self.steps.append(_summed(self.parts))
            self.parts.clear()


@pytest.mark.parametrize('method', sorted(TINY))
def test_tiny_version_trains_two_iterations_and_tests(method, data_root,
                                                      tmp_path):
    from mmkd.cli import build_runner
    cfg = Config.fromfile(osp.join(REPO, ZOO, TINY[method]))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg[loader].dataset, dict):  # not DAFL's placeholder
            cfg[loader].dataset.data_root = data_root
    if method == 'dafl':
        assert cfg.model.teacher_ckpt == \
            'work_dirs/resnet34_w8_tiny-in/epoch_4.pth'
        cfg.model.teacher_ckpt = zoo.teacher_checkpoint(
            cfg.model.teacher.cfg_path, str(tmp_path / 'teacher.pth'))
    else:
        cfg.param_scheduler = None
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.launcher = 'none'
    cfg.randomness = dict(seed=0)
    os.makedirs(cfg.work_dir, exist_ok=True)
    runner = build_runner(cfg)
    catch = CatchOptimised()
    runner.register_hook(catch)
    runner.train()
    assert runner.iter == 2 and len(catch.steps) == 2
    logged = {
        k[len('train/'):]: v.data[0]
        for k, v in runner.message_hub.log_scalars.items()
        if k.startswith('train/') and 'loss' in k
    }
    for step, optimised in enumerate(catch.steps):
        check_losses({
            k: float(v[step])
            for k, v in logged.items()
        }, optimised, method)
    metrics = runner.test()
    assert 0.0 <= metrics['accuracy/top1'] <= 100.0
    assert all(math.isfinite(v) for v in metrics.values())


def _plain(node):
    """Schedulers or an optimizer as plain dicts in a list, without registry
    scopes, with MultiStepLR's default gamma written out."""
    if not isinstance(node, (list, tuple)):
        node = [node]
    out = []
    for item in node:
        item = {k: v for k, v in dict(item).items() if k != '_scope_'}
        if item['type'] == 'MultiStepLR':
            item.setdefault('gamma', 0.1)
        out.append(item)
    return out


def test_mmrazor_dafl_converts_to_zoo_dafl(razor, tmp_path):  # noqa: F811
    """tools/misc/convert_mmrazor_config.py maps MMRazor's DAFL config onto
    DAFLDistill with the zoo config's networks, generator, weights,
    optimizers, schedule and length."""
    out = tmp_path / 'dafl.py'
    convert_file(
        str(razor / 'mmcls/dafl/'
            'dafl_logits_resnet34_resnet18_8xb256_cifar10.py'), str(out))
    converted = Config.fromfile(str(out))
    zoo_cfg = Config.fromfile(osp.join(REPO, ZOO, CONFIGS['dafl']))
    model = converted.model
    assert model.type == 'DAFLDistill'
    for key in ('batch_size', 'classifier', 'one_hot_weight',
                'activation_weight', 'entropy_weight', 'generator',
                'teacher_ckpt'):
        assert model[key] == zoo_cfg.model[key], key
    assert dict(model.kd_loss) == dict(zoo_cfg.model.kd_loss, loss_weight=1)
    for side in ('architecture', 'teacher'):
        assert model[side].cfg_path == zoo_cfg.model[side].cfg_path
    for part in ('architecture', 'generator'):
        assert _plain(converted.optim_wrapper[part].optimizer) == \
            _plain(zoo_cfg.optim_wrapper[part].optimizer)
        assert _plain(converted.param_scheduler[part]) == \
            _plain(zoo_cfg.param_scheduler[part])
    assert converted.train_cfg.max_iters == zoo_cfg.train_cfg.max_iters
