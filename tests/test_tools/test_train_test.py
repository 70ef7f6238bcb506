"""End-to-end runs of tools/train.py, tools/test.py and tools/dist_train.sh
on a tiny CIFAR-100 archive in the official on-disk format."""
import os
import os.path as osp
import pickle
import sys

import pytest
import torch
from data_utils import make_tiny_cifar
from tool_utils import REPO, free_port, run_tool, tiny_options

CONFIG = osp.join(REPO, 'configs', 'baselines', 'resnet20_cifar100.py')


def train(work_dir, data_root, *extra, epochs=2, check=True):
    return run_tool([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), *extra, '--cfg-options',
        *tiny_options(data_root, epochs, model='resnet8')
    ],
                    check=check)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('cifar')
    return make_tiny_cifar(
        str(root), num_classes=100, num_train=64, num_test=32)


@pytest.fixture(scope='module')
def trained(tmp_path_factory, data_root):
    work_dir = tmp_path_factory.mktemp('work')
    proc = train(work_dir, data_root)
    return work_dir, proc


def test_train_writes_checkpoints_and_logs(trained):
    work_dir, proc = trained
    assert (work_dir / 'epoch_1.pth').exists()
    assert (work_dir / 'epoch_2.pth').exists()
    assert (work_dir /
            'last_checkpoint').read_text().strip().endswith('epoch_2.pth')
    output = proc.stdout + proc.stderr
    assert 'accuracy/top1' in output
    ckpt = torch.load(work_dir / 'epoch_2.pth', weights_only=False)
    assert ckpt['meta']['epoch'] == 2
    assert 'linear.weight' in ckpt['state_dict']


def test_test_tool_evaluates_and_dumps(trained, data_root, tmp_path):
    work_dir, _ = trained
    out = tmp_path / 'preds.pkl'
    proc = run_tool([
        sys.executable, 'tools/test.py', CONFIG,
        str(work_dir / 'epoch_2.pth'), '--work-dir',
        str(tmp_path), '--out',
        str(out), '--cfg-options', *tiny_options(data_root, model='resnet8')
    ])
    output = proc.stdout + proc.stderr
    assert 'Load checkpoint from' in output
    # the same numbers as the validation after the 2nd training epoch
    _, train_proc = trained
    val_line = [
        line for line in (train_proc.stdout + train_proc.stderr).splitlines()
        if 'Epoch(val) [2]' in line and 'accuracy/top1' in line
    ][-1]
    top1 = val_line.split('accuracy/top1: ')[1].split()[0]
    assert f'accuracy/top1: {top1}' in output
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 32
    assert preds[0]['pred_score'].shape == (100, )


def test_resume_latest_continues_training(trained, data_root, tmp_path):
    work_dir, _ = trained
    resumed = tmp_path / 'resumed'
    resumed.mkdir()
    for name in ('epoch_2.pth', 'last_checkpoint'):
        text = (work_dir / name).read_bytes()
        if name == 'last_checkpoint':
            text = str(resumed / 'epoch_2.pth').encode()
        (resumed / name).write_bytes(text)
    proc = train(resumed, data_root, '--resume', epochs=3)
    output = proc.stdout + proc.stderr
    assert 'resumed epoch: 2' in output
    ckpt = torch.load(resumed / 'epoch_3.pth', weights_only=False)
    assert ckpt['meta']['epoch'] == 3
    assert ckpt['meta']['iter'] == 12  # 3 epochs x 4 iterations
    # the optimizer state came back: momentum buffers exist and were updated
    assert ckpt['optimizer']['state']


def test_resume_from_explicit_path(trained, data_root, tmp_path):
    work_dir, _ = trained
    proc = train(tmp_path, data_root, '--resume',
                 str(work_dir / 'epoch_1.pth'))
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert (tmp_path / 'epoch_2.pth').exists()
    assert not (tmp_path / 'epoch_1.pth').exists()


def test_amp_and_auto_scale_lr_on_cpu(data_root, tmp_path):
    proc = train(tmp_path, data_root, '--amp', '--auto-scale-lr', epochs=1)
    output = proc.stdout + proc.stderr
    assert 'CPUAmpOptimWrapper' in (tmp_path /
                                    osp.basename(CONFIG)).read_text()
    # total batch 16 against base 64: lr 0.05 -> 0.0125
    assert 'lr: 1.2500e-02' in output


def test_dist_train_two_processes_on_cpu(data_root, tmp_path):
    proc = run_tool([
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
        str(tmp_path), '--cfg-options',
        *tiny_options(data_root, 1, model='resnet8')
    ],
                    env=dict(PYTHON=sys.executable, PORT=str(free_port())))
    output = proc.stdout + proc.stderr
    assert (tmp_path / 'epoch_1.pth').exists()
    assert 'Distributed launcher: pytorch' in output
    assert 'Distributed training: True' in output
    assert 'GPU number: 2' in output  # MMEngine's name for the world size
    assert "'backend': 'gloo'" in output
    # 64 images, 2 processes x 16 per batch: 2 iterations per epoch
    assert 'Epoch(train) [1][2/2]' in output


def test_missing_data_root_is_a_clear_error(tmp_path):
    proc = train(tmp_path, str(tmp_path / 'no_such_dir'), check=False)
    assert proc.returncode == 1
    assert 'tools/train.py: error: FileNotFoundError' in proc.stderr
    assert 'cifar-100-python' in proc.stderr


def test_unknown_model_is_a_clear_error(data_root, tmp_path):
    proc = run_tool([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(tmp_path), '--cfg-options',
        *tiny_options(data_root, model='resnet8'), 'model.type=resnet21'
    ],
                    check=False)
    assert proc.returncode == 1
    assert 'resnet21 is not in the' in proc.stderr


def test_misspelled_config_key_is_a_clear_error(data_root, tmp_path):
    proc = run_tool([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(tmp_path), '--cfg-options',
        *tiny_options(data_root, model='resnet8'),
        'train_dataloder.batch_size=8'
    ],
                    check=False)
    assert proc.returncode == 1
    assert 'did you mean "train_dataloader"' in proc.stderr


class _Exploit:
    marker = None

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_checkpoint_with_pickled_code_is_refused(data_root, tmp_path):
    marker = tmp_path / 'pwned'
    _Exploit.marker = str(marker)
    evil = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=_Exploit()), evil)
    proc = run_tool([
        sys.executable, 'tools/test.py', CONFIG,
        str(evil), '--work-dir',
        str(tmp_path), '--cfg-options',
        *tiny_options(data_root, model='resnet8')
    ],
                    check=False)
    assert proc.returncode == 1
    assert 'UnsafeCheckpointError' in proc.stderr
    assert 'evil.pth' in proc.stderr
    assert not marker.exists()
