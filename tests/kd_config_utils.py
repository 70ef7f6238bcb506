"""The CIFAR-100 distillation configs of configs/kd and their recipe cards,
for the tests in tests/test_configs_kd.

- Every config under ``configs/kd/<method>/`` is a model of its
  ``metafile.yml`` (its recipe card), a method base (``<method>_base.py``) or
  a short alias in ``configs/kd/`` whose only statement inherits a carded
  config.
- :func:`run_two_iters` trains a config for two iterations (batch 2) on a
  generated 4-image CIFAR-100 archive, with a randomly initialised teacher
  whose BN statistics are calibrated (a random deep network in eval mode
  with unit BN statistics has activations that overflow float32 losses),
  and the recipe's init stage shortened to one epoch.
"""
import ast
import glob
import math
import os.path as osp
import sys

import torch
from data_utils import make_tiny_cifar
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmkd.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
KD_DIR = osp.join(REPO, 'configs', 'kd')
sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))

import recipe_cards  # noqa: E402

# configs/kd folders that are no CIFAR recipe with a card: the teacher
# cache variant of KD trains from stored teacher outputs and has its own
# tests (tests/test_cache)
NOT_CARDED = ('cached_kd', )


def rel(path: str) -> str:
    return osp.relpath(path, REPO)


def kd_config_files() -> list:
    """Every config of configs/kd, relative to the repo."""
    paths = glob.glob(osp.join(KD_DIR, '*.py')) + glob.glob(
        osp.join(KD_DIR, '*', '*.py'))
    return sorted(
        rel(p) for p in paths
        if osp.basename(osp.dirname(p)) not in NOT_CARDED)


def alias_target(path: str):
    """The config an alias inherits, if ``path`` holds nothing but
    ``_base_ = '<config>'`` (and comments); else None."""
    with open(osp.join(REPO, path)) as f:
        tree = ast.parse(f.read())
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assign):
        return None
    node = tree.body[0]
    names = [t.id for t in node.targets if isinstance(t, ast.Name)]
    if names != ['_base_'] or not isinstance(node.value, ast.Constant):
        return None
    return rel(
        osp.normpath(osp.join(REPO, osp.dirname(path), node.value.value)))


CARDS = recipe_cards.cards_by_config(REPO)
CARDED = sorted(CARDS)
ALIASES = {
    path: alias_target(path)
    for path in kd_config_files() if osp.dirname(path) == 'configs/kd'
}
# one RepDistiller-style resnet56 -> resnet20 config per method: the smoke
# training runs
SMOKE = sorted(
    p for p in CARDED
    if p.endswith('_resnet56_resnet20_1xb64-240e_cifar100.py'))


def card_of(path: str) -> dict:
    """The card of a carded config or of the config an alias inherits."""
    return CARDS[ALIASES.get(path) or path]


def build_algorithm(cfg: Config):
    """The config's model, with an untrained teacher and no weights
    loaded (nothing is trained or read from disk)."""
    init_default_scope('mmkd')
    model_cfg = cfg.model.copy()
    model_cfg.update(teacher_ckpt=None, teacher_ckpt_optional=True)
    return MODELS.build(model_cfg)


def make_two_iter_cifar(root: str) -> str:
    """A CIFAR-100 archive with 4 training images: 2 iterations of batch 2."""
    return make_tiny_cifar(root, num_classes=100, num_train=4, num_test=2)


_CALIBRATED = {}


def calibrated_teacher(teacher_cfg: dict, path: str) -> str:
    """A checkpoint at ``path`` of a randomly initialised ``teacher_cfg``
    network whose BN layers hold the statistics of random inputs (built
    once per process and network, then copied)."""
    key = repr(sorted(teacher_cfg.items()))
    if key not in _CALIBRATED:
        init_default_scope('mmkd')
        torch.manual_seed(0)
        teacher = MODELS.build(teacher_cfg)
        for module in teacher.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.momentum = None  # cumulative average
        teacher.train()
        with torch.no_grad():
            teacher(torch.randn(16, 3, 32, 32), mode='tensor')
        _CALIBRATED[key] = teacher.state_dict()
    torch.save(dict(state_dict=_CALIBRATED[key]), path)
    return path


def shrink_losses(cfg: Config, n_data: int) -> None:
    """CRD's memory banks and negatives sized for ``n_data`` samples."""
    distiller = cfg.model.distiller
    losses = distiller.get('loss') or list(
        (distiller.get('distill_losses') or {}).values())
    if isinstance(losses, dict):  # one loss config for every layer pair
        losses = [losses]
    for loss in losses:
        if loss.get('type') in ('CRDLoss', 'crd'):
            loss.update(n_data=n_data, nce_k=2)


def two_iter_cfg(config: str, work_dir: str, data_root: str) -> Config:
    """``config`` shrunk to 2 iterations on ``data_root`` (and a one-epoch
    init stage), with a random teacher with calibrated BN statistics."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.work_dir = str(work_dir)
    cfg.model.teacher_ckpt = calibrated_teacher(
        cfg.model.teacher, osp.join(str(work_dir), 'teacher.pth'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
        cfg[loader].batch_size = 2
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    shrink_losses(cfg, n_data=4)
    for hook in cfg.get('custom_hooks', []):
        if hook['type'] == 'InitStageHook':
            hook['epochs'] = 1
    cfg.recipe.update(total_batch_size=2, max_epochs=1)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=10)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = None
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    return cfg


def run_two_iters(config: str, work_dir: str, data_root: str) -> Runner:
    """Train ``config`` for two iterations; check the student's loss and
    every logged distill loss are finite; return the runner."""
    runner = Runner.from_cfg(two_iter_cfg(config, work_dir, data_root))
    runner.train()
    assert runner.iter == 2, runner.iter
    scalars = runner.message_hub.log_scalars
    assert 'train/loss' in scalars, sorted(scalars)
    for key in scalars:
        if key.startswith('train/'):
            value = float(scalars[key].current())
            assert math.isfinite(value), (key, value)
    return runner


def distill_losses(runner: Runner) -> dict:
    """The distill losses the last iteration logged."""
    scalars = runner.message_hub.log_scalars
    return {
        key[len('train/'):]: float(scalars[key].current())
        for key in scalars if key.startswith('train/distill.')
    }
