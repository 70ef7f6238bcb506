"""End-to-end distillation through tools/train.py, tools/test.py,
tools/dist_train.sh and the student export, on a tiny CIFAR-100 archive."""
import os.path as osp
import sys

import pytest
import torch
from data_utils import make_tiny_cifar
from tool_utils import REPO, free_port, run_tool, tiny_options

BASELINE = osp.join(REPO, 'configs', 'baselines', 'resnet20_cifar100.py')
KD_CONFIGS = {
    name: osp.join(REPO, 'configs', 'kd', f'{name}_r20.py')
    for name in ('vanilla_kd', 'vid', 'irg')
}
# resnet8 has the channel widths of resnet20/resnet56 (16/32/64), so the
# configs' VID channels hold and the runs take seconds
SMALL = {'model.architecture': 'resnet8', 'model.teacher': 'resnet8'}


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_tiny_cifar(
        str(tmp_path_factory.mktemp('cifar')),
        num_classes=100,
        num_train=64,
        num_test=32)


@pytest.fixture(scope='module')
def teacher(tmp_path_factory, data_root):
    work_dir = tmp_path_factory.mktemp('teacher')
    run_tool([
        sys.executable, 'tools/train.py', BASELINE, '--work-dir',
        str(work_dir), '--cfg-options',
        *tiny_options(data_root, 2, model='resnet8')
    ])
    return str(work_dir / 'epoch_2.pth')


def distill(config, work_dir, data_root, teacher, *extra, epochs=1):
    return run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), *extra, '--cfg-options',
        *tiny_options(data_root, epochs, **SMALL),
        f'model.teacher_ckpt={teacher}'
    ])


@pytest.mark.parametrize('method', sorted(KD_CONFIGS))
def test_each_config_distills(method, tmp_path, data_root, teacher):
    proc = distill(KD_CONFIGS[method], tmp_path, data_root, teacher)
    output = proc.stdout + proc.stderr
    assert 'Teacher(val)    accuracy/top1: ' in output
    assert 'distill.loss_' in output and 'student.loss_cls' in output
    ckpt = torch.load(tmp_path / 'epoch_1.pth', weights_only=False)
    keys = ckpt['state_dict'].keys()
    assert any(k.startswith('architecture.') for k in keys)
    assert not any(k.startswith('teacher') for k in keys)


def test_resume_export_and_test_the_student(tmp_path, data_root, teacher):
    config = KD_CONFIGS['vid']
    distill(config, tmp_path, data_root, teacher)
    proc = distill(config, tmp_path, data_root, teacher, '--resume', epochs=2)
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    ckpt = torch.load(tmp_path / 'epoch_2.pth', weights_only=False)
    alpha = ckpt['state_dict']['distiller.distill_losses.loss_vid_0.alpha']
    assert alpha.shape == (16, )

    student = tmp_path / 'student.pth'
    run_tool([
        sys.executable, 'tools/model_converters/export_student.py',
        str(tmp_path / 'epoch_2.pth'),
        str(student)
    ])
    exported = torch.load(student, weights_only=False)
    assert set(exported['state_dict']) == {
        k[len('architecture.'):]
        for k in ckpt['state_dict'] if k.startswith('architecture.')
    }
    # the student's own (baseline) config loads the exported checkpoint
    proc = run_tool([
        sys.executable, 'tools/test.py', BASELINE,
        str(student), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options',
        *tiny_options(data_root, model='resnet8')
    ])
    assert 'accuracy/top1' in proc.stdout + proc.stderr


def test_teacher_ahead_loop_from_the_command_line(tmp_path, data_root,
                                                  teacher):
    """The README's --cfg-options train_cfg.type=... on a config whose base
    sets by_epoch=True (MMEngine refuses both; mmkd drops the agreeing
    by_epoch)."""
    proc = run_tool([
        sys.executable, 'tools/train.py', KD_CONFIGS['vanilla_kd'],
        '--work-dir',
        str(tmp_path), '--cfg-options', *tiny_options(data_root, 1, **SMALL),
        f'model.teacher_ckpt={teacher}',
        'train_cfg.type=mmkd.TeacherAheadEpochBasedTrainLoop'
    ])
    output = proc.stdout + proc.stderr
    assert 'Epoch(train) [1][4/4]' in output
    assert 'runs in sequence' not in output
    dumped = (tmp_path / 'vanilla_kd_r20.py').read_text()
    assert "type='mmkd.TeacherAheadEpochBasedTrainLoop'" in dumped
    assert 'by_epoch' not in dumped.split('train_cfg = ')[1].split(')')[0]


def test_amp_distillation_on_cpu(tmp_path, data_root, teacher):
    proc = distill(KD_CONFIGS['vid'], tmp_path, data_root, teacher, '--amp')
    assert 'CPUAmpOptimWrapper' in (tmp_path / 'vid_r20.py').read_text()
    assert 'distill.loss_vid_0' in proc.stdout + proc.stderr


def test_dist_train_distillation_two_processes(tmp_path, data_root, teacher):
    proc = run_tool([
        'bash', 'tools/dist_train.sh', KD_CONFIGS['vid'], '2', '--work-dir',
        str(tmp_path), '--cfg-options', *tiny_options(data_root, 1, **SMALL),
        f'model.teacher_ckpt={teacher}'
    ],
                    env=dict(PYTHON=sys.executable, PORT=str(free_port())))
    output = proc.stdout + proc.stderr
    assert 'GPU number: 2' in output  # MMEngine's name for the world size
    assert 'Epoch(train) [1][2/2]' in output
    assert 'distill.loss_vid_2' in output
    assert (tmp_path / 'epoch_1.pth').exists()


def test_missing_teacher_checkpoint_is_a_clear_error(tmp_path, data_root):
    proc = run_tool([
        sys.executable, 'tools/train.py', KD_CONFIGS['vanilla_kd'],
        '--work-dir',
        str(tmp_path), '--cfg-options', *tiny_options(data_root, 1, **SMALL),
        'model.teacher_ckpt=/nonexistent/teacher.pth'
    ],
                    check=False)
    assert proc.returncode == 1
    assert "teacher_ckpt '/nonexistent/teacher.pth' does not exist" in \
        proc.stderr


def test_benchmark_prints_overhead_for_cifar_config():
    proc = run_tool([
        sys.executable, 'tools/analysis_tools/benchmark_distill.py',
        '--no-memory', KD_CONFIGS['vid'], '--batch-size', '4', '--iters', '2',
        '--warmup', '1', '--threads', '1', '--teacher-micro-batch', '2',
        '--cfg-options', 'model.architecture.type=resnet8',
        'model.teacher.type=resnet14'
    ])
    out = proc.stdout
    assert 'random images (the data set is not on disk)' in out
    # --threads 1: the sequential steps also with the pipeline's 2 threads
    assert '| MMRazor-style step, 2x threads ' in out
    assert '| teacher ahead, micro-batches of 2 ' in out
    assert 'with the same cores (2x threads for the MMRazor-style step): ' \
        in out
    assert 'relative cost = distill / (student + teacher) = ' in out
    # the teacher-ahead step against a perfect overlap of its two sides
    line = out.split('teacher ahead / the longer side')[1].splitlines()[0]
    ideal = float(line.split('a perfect overlap gives ')[1].split()[0])
    assert 1.0 < ideal <= 1.5  # + the shorter side / 8 steps, at most 1/8
    assert 'teacher modules never run in distill steps: avgpool, linear' in out


def test_benchmark_memory_figures():
    """Each step's peak memory, each in a fresh process."""
    proc = run_tool([
        sys.executable, 'tools/analysis_tools/benchmark_distill.py',
        KD_CONFIGS['vanilla_kd'], '--batch-size', '8', '--iters', '1',
        '--warmup', '1', '--cfg-options', 'model.architecture.type=resnet8',
        'model.teacher.type=resnet14'
    ])
    out = proc.stdout
    rows = {
        line.split('|')[1].strip(): line.split('|')[2:5]
        for line in out.splitlines() if line.startswith('| ')
    }
    for label in ('student train step alone', 'distill step',
                  'distill step, teacher ahead (8-step run)'):
        assert float(rows[label][2]) > 0, (label, out)  # peak MiB measured
    ratios = out.split('peak memory over the student step: ')[1]
    assert float(ratios.split('distill ')[1].split('x')[0]) > 0


def test_benchmark_gives_random_batches_labels_and_indices():
    """CRD takes dataset indices, DKD labels: the random batch has both."""
    for config in (
            'configs/kd/crd/crd_resnet56_resnet20_1xb64-240e_cifar100.py',
            'configs/kd/dkd/dkd_resnet56_resnet20_1xb64-240e_cifar100.py'):
        proc = run_tool([
            sys.executable, 'tools/analysis_tools/benchmark_distill.py',
            '--no-memory', config, '--batch-size', '4', '--iters', '1',
            '--warmup', '1', '--cfg-options',
            'model.architecture.type=resnet8', 'model.teacher.type=resnet14'
        ])
        assert 'relative cost vs teacher as run = ' in proc.stdout
