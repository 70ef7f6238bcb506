"""Classification distillation with mmpretrain models through mmkd's tools,
end to end: a tiny ResNet-34 -> ResNet-18 KD pair built from plain
mmpretrain configs (an untyped top-level data preprocessor, as mmpretrain
writes it) on a generated set in ImageNet's folder layout; trained, tested,
exported, and the export loaded by mmpretrain's ``get_model`` in a process
where mmkd cannot be imported."""
import json
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from data_utils import make_tiny_imagenet
from tool_utils import REPO, run_tool

TINY = osp.join(REPO, 'configs', 'mmpretrain', 'tiny')
STUDENT = osp.join(TINY, 'resnet18_w8_tiny-in.py')
TEACHER = osp.join(TINY, 'resnet34_w8_tiny-in.py')
KD = osp.join(TINY, 'kd_resnet34-resnet18_tiny-in.py')


def options(root, epochs=1):
    opts = [f'train_cfg.max_epochs={epochs}', 'randomness.seed=0']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts.append(f'{loader}.dataset.data_root={root}')
    return opts


def train(config, work_dir, root, *extra):
    return run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), '--cfg-options', *options(root), *extra
    ])


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_tiny_imagenet(str(tmp_path_factory.mktemp('tiny_in')))


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory, data_root):
    work_dir = tmp_path_factory.mktemp('teacher')
    train(TEACHER, work_dir, data_root)
    return str(work_dir / 'epoch_1.pth')


@pytest.fixture(scope='module')
def distilled(tmp_path_factory, data_root, teacher_ckpt):
    work_dir = tmp_path_factory.mktemp('kd')
    proc = train(KD, work_dir, data_root, f'model.teacher_ckpt={teacher_ckpt}')
    return work_dir, proc.stdout + proc.stderr


def test_logged_loss_is_the_sum_of_the_student_and_distill_losses(distilled):
    _, output = distilled
    lines = re.findall(
        r'loss: ([0-9.]+)\s+student\.loss: ([0-9.]+)\s+'
        r'distill\.loss_kd: ([0-9.]+)', output)
    assert len(lines) == 4, output[-3000:]
    for total, student, distill in lines:
        # each logged with 4 decimals
        assert abs(float(total) - float(student) - float(distill)) <= 2e-4
    assert 'Teacher(val)    accuracy/top1: ' in output


def test_test_export_and_get_model_without_mmkd(distilled, data_root,
                                                teacher_ckpt, tmp_path):
    work_dir, _ = distilled
    ckpt = str(work_dir / 'epoch_1.pth')
    proc = run_tool([
        sys.executable, 'tools/test.py', KD, ckpt, '--work-dir',
        str(tmp_path), '--cfg-options', *options(data_root),
        f'model.teacher_ckpt={teacher_ckpt}'
    ])
    assert re.search(r'Epoch\(test\).*accuracy/top1: [0-9.]+',
                     proc.stdout + proc.stderr)
    exported = tmp_path / 'student.pth'
    run_tool([
        sys.executable, 'tools/model_converters/export_student.py', ckpt,
        str(exported)
    ])
    trained = {
        k[len('architecture.'):]: v
        for k, v in torch.load(ckpt, weights_only=False)['state_dict'].items()
        if k.startswith('architecture.')
    }
    # mmpretrain alone: importing mmkd fails in this process
    script = f'''
import json, sys, torch
sys.modules['mmkd'] = None
from mmpretrain import get_model
model = get_model({STUDENT!r}, pretrained={str(exported)!r})
state = model.state_dict()
out = model(torch.zeros(1, 3, 32, 32), mode='tensor')
print(json.dumps(dict(keys=sorted(state), shape=list(out.shape),
      sums={{k: float(v.double().sum()) for k, v in state.items()}})))
'''
    proc = subprocess.run([sys.executable, '-c', script],
                          capture_output=True,
                          text=True,
                          cwd=str(tmp_path),
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded['shape'] == [1, 4]
    assert loaded['keys'] == sorted(trained)
    for key, value in trained.items():
        assert loaded['sums'][key] == float(value.double().sum()), key
