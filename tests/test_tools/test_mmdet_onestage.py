"""One-stage detection distillation through mmkd's tools, end to end, on a
generated tiny COCO-format data set (boxes only):

- RetinaNet R34 -> R18 with channel-wise distillation (CWD) on the FPN;
- YOLOX widen 0.25 -> 0.125 with YOLOXKDLoss on the head outputs.

For each pair: train the teacher one epoch, distill one epoch, test the
distilled checkpoint with tools/test.py and resume to epoch 2.
"""
import os.path as osp
import sys

import pytest
import torch
from data_utils import make_tiny_coco
from tool_utils import REPO, coco_options, run_tool, train_tiny_coco

TINY = osp.join(REPO, 'configs', 'mmdet', 'tiny')

PAIRS = {
    'retinanet_cwd':
    dict(
        teacher='retinanet_r34_fpn_tiny-coco.py',
        distill='cwd_fpn_retinanet_r34-r18_tiny-coco.py',
        distill_loss='distill.loss_channelwisedivergence',
        student_losses=('loss_cls', 'loss_bbox')),
    'yolox_kd':
    dict(
        teacher='yolox_w025_tiny-coco.py',
        distill='yolox-kd_yolox_tiny-coco.py',
        distill_loss='distill.loss_yolox_kd',
        student_losses=('loss_cls', 'loss_bbox', 'loss_obj')),
}


@pytest.fixture(scope='module')
def coco(tmp_path_factory):
    return make_tiny_coco(
        str(tmp_path_factory.mktemp('tiny_coco')),
        num_train=8,
        num_val=4,
        img_size=128)


@pytest.fixture(scope='module', params=sorted(PAIRS))
def pair(request):
    return dict(PAIRS[request.param], name=request.param)


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory, coco, pair):
    work_dir = tmp_path_factory.mktemp(f'{pair["name"]}_teacher')
    train_tiny_coco(osp.join(TINY, pair['teacher']), work_dir, coco)
    return str(work_dir / 'epoch_1.pth')


@pytest.fixture(scope='module')
def distilled(tmp_path_factory, coco, pair, teacher_ckpt):
    work_dir = tmp_path_factory.mktemp(f'{pair["name"]}_distill')
    proc = train_tiny_coco(
        osp.join(TINY, pair['distill']),
        work_dir,
        coco,
        options=[f'model.teacher_ckpt={teacher_ckpt}'])
    return work_dir, proc.stdout + proc.stderr


def test_distill_logs_losses_and_metrics(distilled, pair):
    work_dir, output = distilled
    assert pair['distill_loss'] in output
    for loss in pair['student_losses']:
        assert f' student.{loss}: ' in output
    assert 'Teacher(val)    coco/bbox_mAP: ' in output
    assert 'coco/bbox_mAP' in output
    ckpt = torch.load(work_dir / 'epoch_1.pth', weights_only=False)
    assert not any(k.startswith('teacher') for k in ckpt['state_dict'])


def test_test_tool_reports_bbox_map(distilled, coco, pair, teacher_ckpt,
                                    tmp_path):
    work_dir, _ = distilled
    proc = run_tool([
        sys.executable, 'tools/test.py',
        osp.join(TINY, pair['distill']),
        str(work_dir / 'epoch_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *coco_options(coco),
        f'model.teacher_ckpt={teacher_ckpt}'
    ])
    assert 'coco/bbox_mAP' in proc.stdout + proc.stderr


def test_resume(distilled, coco, pair, teacher_ckpt):
    work_dir, _ = distilled
    proc = train_tiny_coco(
        osp.join(TINY, pair['distill']),
        work_dir,
        coco,
        '--resume',
        epochs=2,
        options=[f'model.teacher_ckpt={teacher_ckpt}'])
    output = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in output
    assert pair['distill_loss'] in output
    assert (work_dir / 'epoch_2.pth').exists()
