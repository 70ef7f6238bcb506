"""CRD through tools/train.py: its memory banks and Z are saved in the
checkpoint and a --resume run starts from them, bit for bit (same
arithmetic). Planted error this catches: the banks left out of the
checkpoint (registered as non-persistent buffers), so that a resumed run
starts from fresh random banks."""
import os
import os.path as osp
import sys

import pytest
import torch
from data_utils import make_tiny_cifar
from kd_config_utils import calibrated_teacher
from tool_utils import REPO, run_tool, tiny_options

pytestmark = pytest.mark.numeric

CONFIG = osp.join(REPO, 'configs', 'kd', 'crd',
                  'crd_resnet56_resnet20_1xb64-240e_cifar100.py')
PREFIX = 'distiller.distill_losses.loss_crd.'
STATE = ('student_memory', 'teacher_memory', 'normalizer',
         'embed_student.weight', 'embed_teacher.weight')

# saves the CRD loss's state right before the first iteration of a run
PROBE = '''
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmkd.registry import HOOKS


@HOOKS.register_module()
class CRDStateProbeHook(Hook):

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.saved = False

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.saved:
            return
        self.saved = True
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        loss = model.distiller.distill_losses['loss_crd']
        state = {k: v.clone() for k, v in loss.state_dict().items()}
        torch.save(state, osp.join(self.out_dir, f'probe_{runner.iter}.pth'))
'''


def test_crd_banks_are_checkpointed_and_resumed(tmp_path):
    data_root = make_tiny_cifar(
        str(tmp_path / 'cifar'), num_classes=100, num_train=64, num_test=16)
    teacher = calibrated_teacher(
        dict(type='resnet8', num_classes=100), str(tmp_path / 'teacher.pth'))
    (tmp_path / 'crd_probe.py').write_text(PROBE)
    config = tmp_path / 'crd_probe_config.py'
    config.write_text(f'_base_ = [{CONFIG!r}]\n'
                      "custom_imports = dict(imports=['crd_probe'], "
                      'allow_failed_imports=False)\n'
                      "custom_hooks = [dict(type='DatasetLabelsHook'), "
                      f"dict(type='CRDStateProbeHook', "
                      f'out_dir={str(tmp_path)!r})]\n')
    work_dir = tmp_path / 'work'

    def train(epochs, *extra):
        return run_tool(
            [
                sys.executable, 'tools/train.py',
                str(config), '--work-dir',
                str(work_dir), *extra, '--cfg-options', *tiny_options(
                    data_root, epochs, **{
                        'model.architecture': 'resnet8',
                        'model.teacher': 'resnet8'
                    }), f'model.teacher_ckpt={teacher}',
                'model.distiller.loss.n_data=64',
                'model.distiller.loss.nce_k=16'
            ],
            env=dict(PYTHONPATH=os.pathsep.join([REPO, str(tmp_path)])))

    train(1)
    initial = torch.load(tmp_path / 'probe_0.pth')
    assert initial['normalizer'].tolist() == [-1.0, -1.0]
    first = torch.load(work_dir / 'epoch_1.pth', weights_only=False)
    first = {k: first['state_dict'][PREFIX + k] for k in STATE}
    assert first['student_memory'].shape == (64, 128)
    assert (first['normalizer'] > 0).all()  # Z estimated on batch one
    # the banks were updated (all 64 rows, unit norm)
    for bank in ('student_memory', 'teacher_memory'):
        assert not torch.allclose(first[bank], initial[bank])
        assert torch.allclose(first[bank].norm(dim=1), torch.ones(64))

    proc = train(2, '--resume')
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    # 64 images / batch 16: the resumed run starts at iteration 4 with the
    # banks, Z and heads of epoch 1, not freshly initialised ones
    resumed = torch.load(tmp_path / 'probe_4.pth')
    for key in STATE:
        assert torch.equal(resumed[key], first[key]), key
    second = torch.load(work_dir / 'epoch_2.pth', weights_only=False)
    second = {k: second['state_dict'][PREFIX + k] for k in STATE}
    assert torch.equal(second['normalizer'], first['normalizer'])
    assert not torch.allclose(second['student_memory'],
                              first['student_memory'])
