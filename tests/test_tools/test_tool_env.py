"""The tools from a user's project (their package found from the working
directory) and from a Python without torch (a short error with the command
to run)."""
import os.path as osp
import subprocess
import sys

from tool_utils import REPO, run_tool

LOSS = '''
import os
import torch.nn.functional as F
from torch import nn
from mmkd.registry import MODELS


@MODELS.register_module()
class MyKDLoss(nn.Module):
    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, student, teacher):
        open('my_loss_ran', 'w').close()
        return self.loss_weight * F.mse_loss(student, teacher)
'''

CONFIG = '''
_base_ = 'mmkd::digits/kd_cnn64x5_cnn8x2_digits.py'
custom_imports = dict(imports=['my_project.losses'])
model = dict(
    teacher_ckpt=None, teacher_ckpt_optional=True,
    distiller=dict(loss=[dict(type='MyKDLoss')]))
train_cfg = dict(max_epochs=1)
train_dataloader = dict(dataset=dict(num_train=64))
custom_hooks = []
'''


def test_tools_find_the_users_package_from_the_working_directory(tmp_path):
    package = tmp_path / 'my_project'
    package.mkdir()
    (package / '__init__.py').write_text('')
    (package / 'losses.py').write_text(LOSS)
    (tmp_path / 'distill.py').write_text(CONFIG)
    proc = run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), 'distill.py', '--work-dir',
        'work', '--cfg-options', 'recipe.mismatch=warn'
    ],
                    cwd=str(tmp_path))
    assert (tmp_path / 'my_loss_ran').exists(), proc.stdout[-2000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').exists()


def test_a_python_without_torch_is_told_how_to_run_the_tool(tmp_path):
    # -S: no site-packages, so no torch (a shell's system Python)
    proc = subprocess.run([sys.executable, '-S', 'tools/train.py', '--help'],
                          cwd=REPO,
                          env=dict(PATH='/usr/bin:/bin', MMKD_VENV=sys.prefix),
                          capture_output=True,
                          text=True)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2, proc.stderr
    assert lines[0].startswith('tools/train.py: error: this Python')
    assert 'no torch' in lines[0] and 'Traceback' not in proc.stderr
    command = lines[1].strip()
    assert command == f'{sys.prefix}/bin/python tools/train.py --help'
    # the printed command runs as printed
    ran = subprocess.run(
        command, shell=True, cwd=REPO, capture_output=True, text=True)
    assert ran.returncode == 0 and 'usage: train.py' in ran.stdout
