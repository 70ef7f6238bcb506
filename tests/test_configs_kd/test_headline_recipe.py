"""The command of the README and the docs,

    bash tools/dist_train.sh configs/kd/vid_r20.py 8

trains the published recipe on any number of processes: the config declares
64 images per step at lr 0.05 (recipe.total_batch_size, recipe.lr) and the
training tool divides the 64 images over the processes (with SyncBN on
GPUs). Here with 2 processes on CPU (gloo) and a generated 64-image
CIFAR-100: the logged effective recipe is 2 x 32 = 64 images per step at
lr 0.05, the card's (PyTorch's SyncBN needs CUDA: on CPU the log says that
BN statistics are per process).
"""
import json
import sys

import pytest
import torch
from data_utils import make_tiny_cifar
from kd_config_utils import calibrated_teacher, card_of
from tool_utils import free_port, run_tool

CONFIG = 'configs/kd/vid_r20.py'


def test_headline_command_trains_the_card_recipe_on_two_processes(tmp_path):
    data_root = make_tiny_cifar(
        str(tmp_path / 'cifar'), num_classes=100, num_train=64, num_test=8)
    teacher = calibrated_teacher(
        dict(type='resnet56', num_classes=100), str(tmp_path / 't.pth'))
    work_dir = tmp_path / 'work'
    options = [
        f'model.teacher_ckpt={teacher}',
        'train_cfg.max_epochs=1',
        'recipe.max_epochs=1',
        'default_hooks.logger.interval=1',
        # CPU processes have no SyncBN: BN statistics per process are the
        # one difference, which stops a run unless accepted
        'recipe.mismatch=warn'
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.num_workers=0', f'{loader}.persistent_workers=False'
        ]
    proc = run_tool([
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
        str(work_dir), '--cfg-options', *options
    ],
                    env=dict(PYTHON=sys.executable, PORT=str(free_port())))
    output = proc.stdout + proc.stderr
    recipe = card_of(CONFIG)['Metadata']['Recipe']
    total, lr = recipe['total_batch_size'], recipe['optimizer']['lr']
    assert (total, lr) == (64, 0.05)
    assert ('Effective recipe: 2 processes x 32 images = 64 images per '
            'step, lr 0.05, 1 epoch x 1 iteration = 1 iteration') in output
    warnings = [
        line for line in output.splitlines()
        if 'differs from the recipe this config declares' in line
    ]
    # the only difference on CPU: BN statistics per process (no SyncBN)
    assert all('images per step' not in w and 'lr ' not in w
               for w in warnings), warnings
    logged, = work_dir.glob('*/effective_recipe.json')
    effective = json.loads(logged.read_text())['effective']
    assert effective['world_size'] == 2
    assert effective['batch_size_per_process'] == 32
    assert effective['total_batch_size'] == total
    assert effective['lr'] == pytest.approx(lr)
    assert effective['sync_bn'] == torch.cuda.is_available()
    assert torch.load(work_dir / 'epoch_1.pth', weights_only=False)
