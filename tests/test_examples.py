import sys

import pytest
from tool_utils import free_port, run_tool


@pytest.mark.parametrize('method', ['kd', 'vid', 'irg'])
def test_cifar_example_smoke(method):
    proc = run_tool([
        sys.executable, 'examples/cifar_distill.py', '--method', method,
        '--smoke'
    ])
    line = proc.stdout.strip().splitlines()[-1]
    assert line.startswith('epoch 1: loss ') and 'test top-1' in line
    kd = float(line.split('(kd ')[1].split(')')[0])
    assert kd > 0


def test_yolo_example_smoke_learns():
    proc = run_tool([sys.executable, 'examples/yolo_distill.py', '--smoke'])
    losses = [
        float(line.split('loss ')[1].split()[0])
        for line in proc.stdout.splitlines() if line.startswith('step ')
    ]
    # teacher and student each log 4 times; both must improve
    assert len(losses) == 8
    assert losses[3] < losses[0] and losses[7] < losses[4]


def test_yolo_example_under_ddp_with_torchrun():
    proc = run_tool([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
        '--master_port',
        str(free_port()), 'examples/yolo_distill.py', '--smoke', '--ddp'
    ],
                    timeout=180)
    assert 'distilling the student' in proc.stdout
    assert 'final loss' in proc.stdout


def test_cifar_example_on_cifar_format_data(tmp_path):
    """The example reads real CIFAR-100 files (here a generated set in the
    official format) and trains on them."""
    import torch
    from data_utils import make_tiny_cifar
    from kd_config_utils import calibrated_teacher
    root = make_tiny_cifar(
        str(tmp_path / 'cifar'), num_classes=100, num_train=64, num_test=16)
    teacher = calibrated_teacher(
        dict(type='resnet56', num_classes=100), str(tmp_path / 't.pth'))
    proc = run_tool([
        sys.executable, 'examples/cifar_distill.py', '--method', 'kd',
        '--recipe', 'repdistiller', '--data-root', root, '--teacher-ckpt',
        teacher, '--epochs', '1', '--out',
        str(tmp_path / 'student.pth')
    ])
    assert 'epoch 1: loss ' in proc.stdout
    assert 'reported top-1 (last epoch' in proc.stdout
    assert 'linear.weight' in torch.load(tmp_path / 'student.pth')
