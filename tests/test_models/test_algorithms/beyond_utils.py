"""Shared pieces of the tests of the algorithms beyond one teacher: tiny
networks, teacher checkpoints and short runs of the digits configs."""
import os.path as osp

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.runner.checkpoint import get_state_dict

from mmkd.models.classifiers.base import BaseClassifier
from mmkd.registry import MODELS

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
DIGITS = osp.join(REPO, 'configs', 'digits')

# the digits config of each algorithm
CONFIGS = dict(
    multi_teacher='multi_teacher_cnn64x5_cnn32x3_cnn8x2_digits.py',
    self_distill='self_distill_cnn8x4_digits.py',
    dml='dml_cnn8x2_cnn16x2_digits.py',
    dafl='dafl_cnn64x5_cnn8x2_digits.py')


@MODELS.register_module(force=True)
class NoBNNet(BaseClassifier):
    """``layer1`` conv3x3-ReLU, ``layer2`` stride-2 conv3x3-ReLU, average
    pooling and ``linear``; no batch norm, so a step on a batch split over
    processes equals the step on the whole batch."""

    def __init__(self, channels=4, num_classes=10, in_channels=1, **kwargs):
        super().__init__(num_classes=num_classes, **kwargs)
        self.layer1 = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1), nn.ReLU())
        self.layer2 = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 2, 1), nn.ReLU())
        self.linear = nn.Linear(channels, num_classes)

    def forward_logits(self, inputs):
        x = self.layer2(self.layer1(inputs))
        return self.linear(x.mean(dim=(2, 3)))


def simple_cnn(channels, num_convs):
    return dict(
        type='SimpleCNN',
        in_channels=1,
        channels=channels,
        num_convs=num_convs,
        num_classes=10)


def save_teacher(model_cfg, path, seed=0):
    """A (randomly initialised) teacher checkpoint for ``model_cfg``."""
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg)
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), path)
    return str(path)


def teacher_ckpts(root, no_bn=False):
    """Checkpoints of the digits configs' teachers (cnn64x5, cnn32x3), or of
    NoBNNet teachers of the same names."""
    if no_bn:
        return dict(
            cnn64x5=save_teacher(
                dict(type='NoBNNet', channels=8), osp.join(root, 'nobn_a.pth'),
                1),
            cnn32x3=save_teacher(
                dict(type='NoBNNet', channels=6), osp.join(root, 'nobn_b.pth'),
                2))
    return dict(
        cnn64x5=save_teacher(simple_cnn(64, 5), osp.join(root, 'a.pth'), 1),
        cnn32x3=save_teacher(simple_cnn(32, 3), osp.join(root, 'b.pth'), 2))


def short_cfg(name,
              work_dir,
              ckpts,
              samples=8,
              batch=4,
              epochs=2,
              no_bn=False):
    """The digits config of algorithm ``name``, shrunk to ``samples``
    training images (``samples`` steps for DAFL) in batches of ``batch``,
    ``epochs`` epochs, a checkpoint every epoch and no validation."""
    cfg = Config.fromfile(osp.join(DIGITS, CONFIGS[name]))
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'{name}_{osp.basename(str(work_dir))}'
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = 1000
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.custom_hooks = []
    model = cfg.model
    if name == 'dafl':
        cfg.train_dataloader.dataset = [{}] * (samples // batch)
        model.batch_size = batch
        model.teacher_ckpt = ckpts['cnn64x5']
    else:
        cfg.train_dataloader.batch_size = batch
        cfg.train_dataloader.dataset.indices = samples
        cfg.train_dataloader.sampler.shuffle = not no_bn
    if name == 'multi_teacher':
        for key in ('cnn64x5', 'cnn32x3'):
            model.teachers[key].ckpt = ckpts[key]
    if no_bn:  # BN-free networks everywhere (for the DDP comparison)
        if name == 'dml':
            model.students = [dict(type='NoBNNet', channels=c) for c in (4, 6)]
        else:
            model.architecture = dict(type='NoBNNet', channels=4)
        if name == 'self_distill':
            model.aux_heads = [
                dict(source='layer1', in_channels=4, batch_norm=False)
            ]
        if name == 'multi_teacher':
            model.teachers.cnn64x5.model = dict(type='NoBNNet', channels=8)
            model.teachers.cnn32x3.model = dict(type='NoBNNet', channels=6)
        if name == 'dafl':
            model.teacher = dict(type='NoBNNet', channels=8)
            model.generator.batch_norm = False
    return cfg


def model_state(runner):
    """The trained model's tensors (DDP wrappers removed)."""
    return {
        k: v.detach().clone()
        for k, v in get_state_dict(runner.model).items()
    }
