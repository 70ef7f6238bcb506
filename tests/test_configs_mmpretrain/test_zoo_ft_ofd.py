"""The FT and OFD folders of the mmpretrain zoo (configs/mmpretrain/ft/,
configs/mmpretrain/ofd/): their tiny versions (configs/mmpretrain/tiny/)
train 2 iterations through the runner on the generated ImageNet-layout set
and test once, with finite distill losses under the expected keys and the
logged ``loss`` the optimised sum (test_zoo.py's helpers; its generic tests
check the cards and a step of the full-size configs). FT's two stages:
stage 1 trains the paraphraser alone, stage 2 starts from it, frozen."""
import os.path as osp
from unittest import mock

import pytest
import test_zoo
import torch
from data_utils import make_tiny_imagenet
from mmengine.config import Config
from mmengine.hooks import Hook
from test_zoo import train_tiny
from tool_utils import REPO

TINY = {
    'ft_pretrain': 'ft_pretrain_resnet50-resnet18_tiny-in.py',
    'ft': 'ft_resnet50-resnet18_tiny-in.py',
    'ofd': 'ofd_wrn16-w2-wrn10-w1_tiny-in.py',
}
PARAPHRASER = 'distiller.distill_losses.loss_s4.paraphraser.'


@pytest.fixture(scope='module')
def tiny_set(tmp_path_factory):
    # as test_zoo's data_root: 2 iterations of the tiny configs' batch of 8
    return make_tiny_imagenet(
        str(tmp_path_factory.mktemp('tiny_in')), num_train=4, num_val=1)


def train(method, data_root, work_dir, options=None, hooks=()):
    with mock.patch.dict(test_zoo.TINY, TINY):
        return train_tiny(method, data_root, work_dir, options, hooks)


class CatchState(Hook):
    """The model's parameters and buffers as training starts."""

    def before_train(self, runner):
        self.state = {
            k: v.detach().clone()
            for k, v in runner.model.state_dict().items()
        }


def test_tiny_ofd_trains_two_iterations_and_tests(tiny_set, tmp_path):
    runner = train('ofd', tiny_set, str(tmp_path))
    losses = runner.model.distiller.distill_losses
    # the margins come from the teacher's BNs, all below zero
    for name in ('loss_1', 'loss_2', 'loss_3'):
        margin = losses[name].margin
        assert margin.numel() > 0 and bool((margin < 0).all()), name


def test_tiny_ft_stage_two_starts_from_stage_one(tiny_set, tmp_path):
    """Stage 1 trains the paraphraser only (the student's parameters do
    not move); stage 2 starts from the paraphraser stage 1 saved, keeps it
    frozen, and trains the student and the translator."""
    first_start = CatchState()
    first = train(
        'ft_pretrain',
        tiny_set,
        str(tmp_path / 'stage1'),
        hooks=(first_start, ))
    ckpt = osp.join(first.work_dir, 'epoch_1.pth')
    saved = torch.load(ckpt, weights_only=False)['state_dict']
    paraphraser = {k: v for k, v in saved.items() if k.startswith(PARAPHRASER)}
    assert paraphraser
    assert any(not torch.equal(v, first_start.state[k])
               for k, v in paraphraser.items())
    student_params = {
        f'architecture.{k}'
        for k, _ in first.model.architecture.named_parameters()
    }
    for key in student_params | {
            k
            for k in saved
            if k.startswith('distiller.connectors.') and not k.endswith(
                ('running_mean', 'running_var', 'num_batches_tracked'))
    }:
        assert torch.equal(saved[key], first_start.state[key]), key

    second_start = CatchState()
    second = train(
        'ft',
        tiny_set,
        str(tmp_path / 'stage2'),
        options={'model.distiller.init_cfg.checkpoint': ckpt},
        hooks=(second_start, ))
    end = second.model.state_dict()
    for key, value in paraphraser.items():
        assert torch.equal(second_start.state[key], value), key
        assert torch.equal(end[key], value), key
    assert any(not torch.equal(end[k], second_start.state[k])
               for k in student_params)


@pytest.mark.parametrize('method', sorted(TINY))
def test_tiny_version_reads_the_teacher_its_readme_trains(method):
    """The README trains the tiny teacher, then the tiny version(s) with
    tools/train.py; FT's stage 2 reads stage 1's last checkpoint."""
    cfg = Config.fromfile(osp.join(REPO, test_zoo.ZOO, 'tiny', TINY[method]))
    teacher = cfg.model.teacher.cfg_path
    name = osp.basename(teacher)[:-3]
    teacher_cfg = Config.fromfile(
        osp.join(REPO, 'configs', teacher[len('mmkd::'):]))
    epochs = teacher_cfg.train_cfg.max_epochs
    assert cfg.model.teacher_ckpt == f'work_dirs/{name}/epoch_{epochs}.pth'
    folder = method.split('_')[0]
    with open(osp.join(REPO, test_zoo.ZOO, folder, 'README.md')) as f:
        readme = f.read()
    assert f'python tools/train.py configs/mmpretrain/tiny/{name}.py' in readme
    assert f'python tools/train.py {test_zoo.ZOO}tiny/{TINY[method]}' \
        in readme
    if method == 'ft':
        first = Config.fromfile(
            osp.join(REPO, test_zoo.ZOO, 'tiny', TINY['ft_pretrain']))
        assert cfg.model.distiller.init_cfg.checkpoint == (
            f'work_dirs/{TINY["ft_pretrain"][:-3]}/'
            f'epoch_{first.train_cfg.max_epochs}.pth')
