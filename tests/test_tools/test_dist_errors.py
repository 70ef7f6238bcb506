"""A set-up error under several processes is said once, by rank 0, and
every process ends cleanly (no torchrun failure dump, no SIGABRT)."""
import os.path as osp
import sys

import pytest
import torch
from data_utils import make_tiny_cifar
from tool_utils import REPO, free_port, run_tool, tiny_options

from mmkd.cli.torchrun import REPORTED_EXIT, reported

BASELINE = osp.join(REPO, 'configs', 'baselines', 'resnet20_cifar100.py')
CRASH_SIGNS = ('Traceback', 'ChildFailedError', 'SIGABRT', 'terminate called',
               'Signal ', 'FAILED')


def dist_env():
    return dict(PYTHON=sys.executable, PORT=str(free_port()))


def test_a_recipe_mismatch_under_two_processes_is_said_once(tmp_path):
    root = make_tiny_cifar(
        str(tmp_path / 'cifar'), num_classes=100, num_train=64, num_test=32)
    # tiny_options without its recipe.mismatch=warn and with the declared
    # total batch (2 x 32): the run must stop for its epochs and BN
    options = [
        o for o in tiny_options(root, 1, model='resnet8')
        if not o.startswith(('recipe.', 'train_dataloader.batch_size'))
    ]
    proc = run_tool([
        'bash', 'tools/dist_train.sh', BASELINE, '2', '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *options
    ],
                    check=False,
                    env=dist_env())
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]
    said = [
        line for line in output.splitlines() if 'RecipeMismatchError' in line
    ]
    assert len(said) == 1, output[-5000:]
    assert said[0].startswith('tools/train.py: error: RecipeMismatchError')
    assert '1 epoch (declared 240)' in said[0]
    if not torch.cuda.is_available():
        assert 'Without CUDA' in said[0]
        assert f'python tools/train.py {BASELINE}' in said[0]
    for sign in CRASH_SIGNS:
        assert sign not in output, (sign, output[-5000:])
    assert not (tmp_path / 'work' / 'epoch_1.pth').exists()


SCRIPT = '''
import os
from mmkd.cli.cli import run_cli

def main():
    rank = os.environ['RANK']
    if rank == os.environ.get('FAIL_RANK'):
        raise ValueError(f'input of rank {rank} is bad')
    if rank == os.environ.get('CRASH_RANK'):
        raise ZeroDivisionError('a bug')

run_cli(main, 'script.py')
'''


def launch(tmp_path, **env):
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT)
    return run_tool([
        sys.executable, '-m', 'mmkd.cli.torchrun', '--nproc_per_node=2',
        f'--master_port={free_port()}',
        str(script)
    ],
                    check=False,
                    env=env)


def test_an_error_of_one_rank_names_that_rank(tmp_path):
    proc = launch(tmp_path, FAIL_RANK='1')
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    said = [line for line in output.splitlines() if 'is bad' in line]
    assert said == [
        'script.py: error (rank 1): ValueError: input of rank 1 '
        'is bad'
    ], output
    for sign in CRASH_SIGNS:
        assert sign not in output, (sign, output)


def test_an_unreported_failure_keeps_the_launchers_report(tmp_path):
    proc = launch(tmp_path, CRASH_RANK='0')
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert 'ZeroDivisionError: a bug' in output
    assert 'ChildFailedError' in output and 'exitcode' in output


@pytest.mark.parametrize('codes, expected', [
    ([REPORTED_EXIT, -15], True),
    ([REPORTED_EXIT, REPORTED_EXIT], True),
    ([REPORTED_EXIT], True),
    ([1, -15], False),
    ([REPORTED_EXIT, 1], False),
    ([-15, -9], False),
])
def test_which_failures_a_tool_reported(codes, expected):
    assert reported(codes) is expected
