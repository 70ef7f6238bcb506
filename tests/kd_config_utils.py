"""Run a CIFAR-100 distillation config for two iterations, in process.

Used by the parametrised config tests: each ``configs/kd/*.py`` builds with
its own networks and losses and trains two iterations (batch 2) on a
generated 4-image CIFAR-100 archive, with a randomly initialised teacher
whose BN statistics are calibrated (a random deep network in eval mode with
unit BN statistics has activations that overflow float32 losses).
"""
import glob
import math
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmkd.registry import MODELS

from data_utils import make_tiny_cifar

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
KD_DIR = osp.join(REPO, 'configs', 'kd')
# every configs/kd/*.py by name; the two-iteration runs are split over two
# test files (even / odd positions) so that xdist's loadfile runs them on
# both workers
KD_CONFIGS = sorted(
    osp.basename(p)[:-3] for p in glob.glob(osp.join(KD_DIR, '*.py')))


def make_two_iter_cifar(root: str) -> str:
    """A CIFAR-100 archive with 4 training images: 2 iterations of batch 2."""
    return make_tiny_cifar(root, num_classes=100, num_train=4, num_test=2)


def calibrated_teacher(teacher_cfg: dict, path: str) -> str:
    """Save a randomly initialised ``teacher_cfg`` network whose BN layers
    hold the statistics of random inputs, as a checkpoint at ``path``."""
    init_default_scope('mmkd')
    torch.manual_seed(0)
    teacher = MODELS.build(teacher_cfg)
    for module in teacher.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.momentum = None  # cumulative average
    teacher.train()
    with torch.no_grad():
        teacher(torch.randn(16, 3, 32, 32), mode='tensor')
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return path


def two_iter_cfg(config: str, work_dir: str, data_root: str) -> Config:
    """``config`` shrunk to 2 iterations on ``data_root``, with a random
    teacher with calibrated BN statistics."""
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.model.teacher_ckpt = calibrated_teacher(
        cfg.model.teacher, osp.join(str(work_dir), 'teacher.pth'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
        cfg[loader].batch_size = 2
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=10)
    cfg.default_hooks.logger.interval = 1
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    return cfg


def run_two_iters(config: str, work_dir: str, data_root: str) -> dict:
    """Train ``config`` for two iterations; return the last logged
    ``{name: value}`` of the distill losses (all finite), after checking
    the student's own loss is logged too."""
    runner = Runner.from_cfg(two_iter_cfg(config, work_dir, data_root))
    runner.train()
    assert runner.iter == 2, runner.iter
    scalars = runner.message_hub.log_scalars
    distill = {
        key[len('train/'):]: scalars[key].current()
        for key in scalars if key.startswith('train/distill.')
    }
    assert distill, f'no distill losses logged: {sorted(scalars)}'
    assert 'train/loss' in scalars
    for key, value in distill.items():
        assert math.isfinite(float(value)), (key, value)
    return distill
