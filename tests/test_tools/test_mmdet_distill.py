"""Instance-segmentation distillation through mmkd's tools, end to end:
a tiny Mask R-CNN R34 -> R18 pair on a generated COCO-format data set."""
import os.path as osp
import sys

import pytest
import torch
from data_utils import make_tiny_coco
from tool_utils import REPO, coco_options, free_port, run_tool, train_tiny_coco

TINY = osp.join(REPO, 'configs', 'mmdet', 'tiny')
STUDENT = osp.join(TINY, 'mask-rcnn_r18_fpn_tiny-coco.py')
TEACHER = osp.join(TINY, 'mask-rcnn_r34_fpn_tiny-coco.py')
PKD = osp.join(TINY, 'pkd_fpn_mask-rcnn_r34-r18_tiny-coco.py')


@pytest.fixture(scope='module')
def coco(tmp_path_factory):
    return make_tiny_coco(
        str(tmp_path_factory.mktemp('tiny_coco')),
        num_train=8,
        num_val=4,
        img_size=128)


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory, coco):
    work_dir = tmp_path_factory.mktemp('teacher')
    train_tiny_coco(TEACHER, work_dir, coco)
    return str(work_dir / 'epoch_1.pth')


@pytest.fixture(scope='module')
def distilled(tmp_path_factory, coco, teacher_ckpt):
    work_dir = tmp_path_factory.mktemp('pkd')
    proc = train_tiny_coco(
        PKD, work_dir, coco, options=[f'model.teacher_ckpt={teacher_ckpt}'])
    return work_dir, proc.stdout + proc.stderr


def test_distill_mask_rcnn_logs_losses_and_both_metrics(distilled):
    work_dir, output = distilled
    assert 'distill.loss_pkd' in output
    assert 'loss_mask' in output and 'loss_rpn_cls' in output
    assert 'Teacher(val)    coco/bbox_mAP: ' in output
    assert 'coco/bbox_mAP' in output and 'coco/segm_mAP' in output
    ckpt = torch.load(work_dir / 'epoch_1.pth', weights_only=False)
    assert not any(k.startswith('teacher') for k in ckpt['state_dict'])


def test_test_tool_reports_bbox_and_segm(distilled, coco, teacher_ckpt,
                                         tmp_path):
    work_dir, _ = distilled
    proc = run_tool([
        sys.executable, 'tools/test.py', PKD,
        str(work_dir / 'epoch_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *coco_options(coco),
        f'model.teacher_ckpt={teacher_ckpt}'
    ])
    output = proc.stdout + proc.stderr
    assert 'coco/bbox_mAP' in output and 'coco/segm_mAP' in output


def test_resume(distilled, coco, teacher_ckpt):
    work_dir, _ = distilled
    proc = train_tiny_coco(
        PKD,
        work_dir,
        coco,
        '--resume',
        epochs=2,
        options=[f'model.teacher_ckpt={teacher_ckpt}'])
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert (work_dir / 'epoch_2.pth').exists()


def test_exported_student_loads_in_mmdets_own_test_tool(
        distilled, coco, tmp_path):
    work_dir, _ = distilled
    student = tmp_path / 'student.pth'
    run_tool([
        sys.executable, 'tools/model_converters/export_student.py',
        str(work_dir / 'epoch_1.pth'),
        str(student)
    ])
    import mmdet
    mmdet_test = osp.join(
        osp.dirname(mmdet.__file__), '.mim', 'tools', 'test.py')
    # mmdet's tool, without mmkd: plain torch.load (weights_only on torch
    # >= 2.6) must accept the exported file
    proc = run_tool([
        sys.executable, mmdet_test, STUDENT,
        str(student), '--work-dir',
        str(tmp_path / 'mmdet_test'), '--cfg-options', *coco_options(coco)
    ],
                    env=dict(PYTHONPATH=''))
    output = proc.stdout + proc.stderr
    assert 'coco/bbox_mAP' in output and 'coco/segm_mAP' in output
    assert 'unexpected key' not in output and 'missing keys' not in output


def test_dist_train_two_processes(coco, teacher_ckpt, tmp_path):
    proc = run_tool([
        'bash', 'tools/dist_train.sh', PKD, '2', '--work-dir',
        str(tmp_path), '--cfg-options', *coco_options(coco),
        f'model.teacher_ckpt={teacher_ckpt}'
    ],
                    env=dict(PYTHON=sys.executable, PORT=str(free_port())),
                    timeout=300)
    output = proc.stdout + proc.stderr
    assert 'GPU number: 2' in output
    assert 'distill.loss_pkd' in output
    assert (tmp_path / 'epoch_1.pth').exists()


def test_benchmark_teacher_skips_rpn_and_roi_heads(coco):
    proc = run_tool([
        sys.executable, 'tools/analysis_tools/benchmark_distill.py',
        '--no-memory', PKD, '--batch-size', '2', '--iters', '2', '--warmup',
        '1', '--cfg-options', *coco_options(coco)
    ])
    out = proc.stdout
    assert 'a batch of the training data' in out
    assert 'teacher modules never run in distill steps: roi_head, rpn_head' \
        in out
    # the step it is compared with runs the whole teacher, heads included
    assert 'teacher modules never run in MMRazor-style steps: none' in out
    ratio = float(out.split('teacher as run / full forward = ')[1].split()[0])
    assert ratio < 1.0
    # the bf16 teacher runs: its planning forward (through the RPN's NMS,
    # which has no bf16 kernel on CPU) is in float32, later ones stop early
    assert 'distill losses with the bf16 teacher: distill.' in out


def test_benchmark_sees_yolox_head_run_through_direct_forward(coco):
    """mmdet calls YOLOX's ``bbox_head.forward()`` directly; the benchmark
    must still count the head as run (its head outputs are distilled)."""
    proc = run_tool([
        sys.executable, 'tools/analysis_tools/benchmark_distill.py',
        '--no-memory',
        osp.join(TINY, 'yolox-kd_yolox_tiny-coco.py'), '--batch-size', '2',
        '--iters', '2', '--warmup', '1', '--cfg-options', *coco_options(coco)
    ])
    out = proc.stdout
    assert 'teacher modules never run in distill steps: none' in out
    assert 'relative cost vs teacher as run = ' in out
