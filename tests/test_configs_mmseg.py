"""The published-recipe segmentation configs under configs/mmseg/cwd: each
parses, names its published numbers, builds with mmseg's Cityscapes student
and teacher (no weights loaded or downloaded) and runs one distillation loss
step on a small CPU input, with the teacher stopped after its logits."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import DefaultScope

import mmkd  # noqa: F401  registers mmkd's models, losses and hooks
from mmkd.registry import MODELS
from mmkd.utils.config_check import check_top_level_keys, resolve_config_path

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'mmseg', 'cwd', '*.py')))
# numbers each header has to state: MMRazor's CWD README (PSPNet) and
# mmseg's metafiles (the plain students and teachers)
PUBLISHED = {
    'cwd_logits_pspnet_r101-r18_4xb2-80k_cityscapes-512x1024.py':
    ['74.87', '75.54', '79.76'],
    'cwd_logits_deeplabv3_r101-r18_4xb2-80k_cityscapes-512x1024.py':
    ['76.70', '80.20', 'NONE'],
}


def header(path):
    lines = []
    with open(path) as f:
        for line in f:
            if not line.startswith('#'):
                break
            lines.append(line)
    return ''.join(lines)


def test_all_configs_found():
    assert {osp.basename(p) for p in CONFIGS} == set(PUBLISHED)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_parses_and_states_its_numbers(path):
    cfg = Config.fromfile(path)
    check_top_level_keys(cfg)
    model = cfg.model
    assert model.type == 'SingleTeacherDistill' and model._scope_ == 'mmkd'
    assert cfg.default_scope == 'mmseg'
    for role in ('architecture', 'teacher'):
        assert model[role].cfg_path.startswith('mmseg::')
        assert osp.isfile(resolve_config_path(model[role].cfg_path))
    assert model.teacher_ckpt.startswith('checkpoints/')
    assert {'type': 'mmkd.EvaluateTeacherHook'} in cfg.custom_hooks
    assert cfg.val_evaluator.type == 'IoUMetric'
    text = header(path)
    for number in PUBLISHED[osp.basename(path)]:
        assert re.search(rf'(?<![\d.]){re.escape(number)}(?!\d)',
                         text), (f'header does not state {number}')
    for word in ('Paper:', 'Student:', 'Teacher:', 'Teacher checkpoint:',
                 'dist_train.sh', f'configs/mmseg/cwd/{osp.basename(path)}'):
        assert word in text, f'header lacks {word!r}'


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_build_and_one_loss_step(path):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    cfg = Config.fromfile(path)
    cfg.model.teacher_ckpt = None
    cfg.model.teacher_ckpt_optional = True
    with DefaultScope.overwrite_default_scope('mmseg'):
        algorithm = MODELS.build(cfg.model)
    # SyncBN needs a process group in training mode: one CPU process here
    algorithm.architecture = revert_sync_batchnorm(algorithm.architecture)
    algorithm.train()
    assert not algorithm.teacher.training
    h, w = 64, 128
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(
        data=torch.randint(0, 19, (1, h, w), dtype=torch.long))
    sample.set_metainfo(dict(img_shape=(h, w), pad_shape=(h, w)))
    ran = []
    handle = algorithm.teacher.auxiliary_head.register_forward_hook(
        lambda *a: ran.append('aux'))
    # batch 2: PSPNet's 1x1 pooling branch needs more than one value per
    # channel for BN in training mode
    for _ in range(2):  # the second step runs the teacher stopped early
        losses = algorithm(
            torch.randn(2, 3, h, w), [sample, sample], mode='loss')
    handle.remove()
    value = losses['distill.loss_channelwisedivergence']
    assert value.dim() == 0 and torch.isfinite(value) and value.requires_grad
    assert 'student.decode.loss_ce' in losses
    assert 'student.aux.loss_ce' in losses
    assert not ran  # the teacher never runs its auxiliary head


def test_resolve_mmseg_config_path():
    path = resolve_config_path(
        'mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py')
    assert osp.isfile(path) and 'mmseg' in path
    with pytest.raises(FileNotFoundError, match='nope.py'):
        resolve_config_path('mmseg::pspnet/nope.py')
