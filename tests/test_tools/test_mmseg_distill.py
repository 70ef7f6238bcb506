"""Semantic-segmentation distillation through mmkd's tools, end to end: a
tiny PSPNet R34 -> R18 pair (CWD on the logits) on a generated data set in
mmseg's layout, evaluated with mmseg's IoUMetric."""
import os.path as osp
import re
import sys

import pytest
import torch
from data_utils import make_tiny_seg
from tool_utils import REPO, free_port, run_tool, seg_options

TINY = osp.join(REPO, 'configs', 'mmseg', 'tiny')
STUDENT = osp.join(TINY, 'pspnet_r18_tiny-seg.py')
TEACHER = osp.join(TINY, 'pspnet_r34_tiny-seg.py')
CWD = osp.join(TINY, 'cwd_logits_pspnet_r34-r18_tiny-seg.py')
FITNET = osp.join(TINY, 'fitnet_backbone_pspnet_r34-r18_tiny-seg.py')
PIXEL_KD = osp.join(TINY, 'pixel-kd_logits_pspnet_r34-r18_tiny-seg.py')


def train(config, work_dir, root, *extra, iters=2, options=()):
    return run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), *extra, '--cfg-options', *seg_options(root, iters),
        *options
    ])


def miou(output, prefix=''):
    """The last ``<prefix>mIoU: x`` value logged."""
    values = re.findall(prefix + r'mIoU: ([0-9.]+)', output)
    assert values, f'no {prefix}mIoU in the output:\n{output[-2000:]}'
    return float(values[-1])


@pytest.fixture(scope='module')
def seg(tmp_path_factory):
    return make_tiny_seg(
        str(tmp_path_factory.mktemp('tiny_seg')),
        num_train=4,
        num_val=2,
        img_size=64)


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory, seg):
    work_dir = tmp_path_factory.mktemp('teacher')
    train(TEACHER, work_dir, seg)
    return str(work_dir / 'iter_2.pth')


@pytest.fixture(scope='module')
def distilled(tmp_path_factory, seg, teacher_ckpt):
    work_dir = tmp_path_factory.mktemp('cwd')
    proc = train(
        CWD, work_dir, seg, options=[f'model.teacher_ckpt={teacher_ckpt}'])
    return work_dir, proc.stdout + proc.stderr


def test_distill_logs_losses_and_student_and_teacher_miou(distilled):
    work_dir, output = distilled
    assert 'distill.loss_channelwisedivergence' in output
    assert 'student.decode.loss_ce' in output
    assert 'student.aux.loss_ce' in output
    assert 0 <= miou(output, r'Teacher\(val\).*') <= 100
    assert 0 <= miou(output) <= 100
    ckpt = torch.load(work_dir / 'iter_2.pth', weights_only=False)
    assert not any(k.startswith('teacher') for k in ckpt['state_dict'])
    assert any(k.startswith('architecture.') for k in ckpt['state_dict'])


@pytest.mark.parametrize('config,loss', [
    (FITNET, 'distill.loss_fitnet'),
    (PIXEL_KD, 'distill.loss_pixelwisekd'),
])
def test_feature_and_pixel_distillation(seg, teacher_ckpt, tmp_path, config,
                                        loss):
    proc = train(
        config, tmp_path, seg, options=[f'model.teacher_ckpt={teacher_ckpt}'])
    output = proc.stdout + proc.stderr
    assert loss in output
    assert 0 <= miou(output) <= 100


def test_test_tool_reports_miou(distilled, seg, teacher_ckpt, tmp_path):
    work_dir, _ = distilled
    proc = run_tool([
        sys.executable, 'tools/test.py', CWD,
        str(work_dir / 'iter_2.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *seg_options(seg),
        f'model.teacher_ckpt={teacher_ckpt}'
    ])
    output = proc.stdout + proc.stderr
    assert 'Iter(test)' in output
    assert 0 <= miou(output) <= 100


def test_resume(distilled, seg, teacher_ckpt):
    work_dir, _ = distilled
    proc = train(
        CWD,
        work_dir,
        seg,
        '--resume',
        iters=4,
        options=[f'model.teacher_ckpt={teacher_ckpt}'])
    output = proc.stdout + proc.stderr
    assert 'resumed epoch: 0, iter: 2' in output
    assert 'Iter(train) [3/4]' in output and 'Iter(train) [1/4]' not in output
    assert (work_dir / 'iter_4.pth').exists()


@pytest.mark.parametrize('tool', ['mmkd', 'mmseg'])
def test_exported_student_loads_in_test_tools(distilled, seg, tmp_path, tool):
    work_dir, _ = distilled
    student = tmp_path / 'student.pth'
    run_tool([
        sys.executable, 'tools/model_converters/export_student.py',
        str(work_dir / 'iter_2.pth'),
        str(student)
    ])
    if tool == 'mmkd':
        script, env = 'tools/test.py', None
    else:
        # mmseg's own tool without mmkd: plain torch.load (weights_only on
        # torch >= 2.6) must accept the exported file
        import mmseg
        script = osp.join(
            osp.dirname(mmseg.__file__), '.mim', 'tools', 'test.py')
        env = dict(PYTHONPATH='')
    proc = run_tool([
        sys.executable, script, STUDENT,
        str(student), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options', *seg_options(seg)
    ],
                    env=env)
    output = proc.stdout + proc.stderr
    assert 0 <= miou(output) <= 100
    assert 'unexpected key' not in output and 'missing keys' not in output


def test_dist_train_two_processes(seg, teacher_ckpt, tmp_path):
    proc = run_tool([
        'bash', 'tools/dist_train.sh', CWD, '2', '--work-dir',
        str(tmp_path), '--cfg-options', *seg_options(seg),
        f'model.teacher_ckpt={teacher_ckpt}'
    ],
                    env=dict(PYTHON=sys.executable, PORT=str(free_port())),
                    timeout=300)
    output = proc.stdout + proc.stderr
    assert 'GPU number: 2' in output
    assert 'distill.loss_channelwisedivergence' in output
    assert (tmp_path / 'iter_2.pth').exists()


@pytest.mark.parametrize('config,skipped', [
    (CWD, 'auxiliary_head'),
    (FITNET, 'auxiliary_head, decode_head'),
])
def test_benchmark_on_the_seg_pair(seg, config, skipped):
    proc = run_tool([
        sys.executable, 'tools/analysis_tools/benchmark_distill.py',
        '--no-memory', config, '--batch-size', '2', '--iters', '2', '--warmup',
        '1', '--cfg-options', f'train_dataloader.dataset.data_root={seg}'
    ])
    out = proc.stdout
    assert 'a batch of the training data' in out
    assert 'relative cost = distill / (student + teacher) = ' in out
    assert 'relative cost vs teacher as run = ' in out
    assert f'teacher modules never run in distill steps: {skipped}' in out
