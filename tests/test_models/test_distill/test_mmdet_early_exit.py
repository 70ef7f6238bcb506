"""Early exit on a detector teacher: recording the neck and the head
(``bbox_head.forward`` is called directly by mmdet, so only a patched method
sees it) stops after the head and gives the losses of a full forward."""
import copy

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmkd.registry import MODELS

STUDENT = 'mmkd::mmdet/tiny/retinanet_r18_fpn_tiny-coco.py'
TEACHER = 'mmkd::mmdet/tiny/retinanet_r34_fpn_tiny-coco.py'
HEAD = dict(type='MethodOutputs', source='bbox_head.forward')
DISTILLER = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        neck=dict(type='ModuleOutputs', source='neck'), head=HEAD),
    teacher_recorders=dict(
        neck=dict(type='ModuleOutputs', source='neck'), head=HEAD),
    distill_losses=dict(
        loss_pkd=dict(type='PKDLoss', loss_weight=1.0),
        loss_cls=dict(type='ChannelWiseDivergence', tau=1.0)),
    loss_forward_mappings=dict(
        loss_pkd=dict(
            student=dict(recorder='neck', from_student=True),
            teacher=dict(recorder='neck', from_student=False)),
        loss_cls=dict(
            student=dict(recorder='head', from_student=True, data_idx=0),
            teacher=dict(recorder='head', from_student=False, data_idx=0))))


def distiller(record_head):
    cfg = copy.deepcopy(DISTILLER)
    if not record_head:
        for key in ('student_recorders', 'teacher_recorders'):
            cfg[key].pop('head')
        cfg['distill_losses'].pop('loss_cls')
        cfg['loss_forward_mappings'].pop('loss_cls')
    return cfg


def build(early_stop, record_head):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            _scope_='mmkd',
            type='SingleTeacherDistill',
            architecture=dict(cfg_path=STUDENT),
            teacher=dict(cfg_path=TEACHER),
            teacher_ckpt_optional=True,
            teacher_early_stop=early_stop,
            distiller=distiller(record_head)))


def batch(seed, n=2):
    """Two 64 px images: every FPN level has more than one value per
    channel (PKD standardises with the sample std)."""
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(64, 64),
                pad_shape=(64, 64),
                batch_input_shape=(64, 64),
                ori_shape=(64, 64),
                scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([[4.0, 4.0, 40.0, 40.0]]),
            labels=torch.tensor([0]))
        samples.append(sample)
    return torch.randn(n, 3, 64, 64, generator=gen), samples


@pytest.mark.parametrize('record_head', [True, False])
def test_neck_and_head_records_train_with_early_exit(record_head):
    runs = {}
    for early_stop in (True, False):
        algo = build(early_stop, record_head).train()
        head = algo.teacher.bbox_head
        head_calls = []
        forward = head.forward

        def counted(*args, **kwargs):
            head_calls.append(1)
            return forward(*args, **kwargs)

        head.forward = counted
        optim = torch.optim.SGD(algo.parameters(), lr=0.01)
        values = []
        for step in range(3):
            head_calls.clear()
            losses = algo(*batch(step), mode='loss')
            total = sum(
                v if torch.is_tensor(v) else sum(v) for k, v in losses.items()
                if 'loss' in k)
            optim.zero_grad()
            total.backward()
            optim.step()
            if early_stop and step > 0:
                # stops after the head when it is recorded, else after the
                # neck: the head never runs
                assert len(head_calls) == int(record_head)
            values.append({
                k: float(v)
                for k, v in losses.items() if k.startswith('distill.')
            })
        runs[early_stop] = values
        algo.teardown()
    assert all(v == v for run in runs[True] for v in run.values())  # no NaN
    assert runs[True] == runs[False]
    assert set(runs[True][0]) == ({'distill.loss_pkd', 'distill.loss_cls'}
                                  if record_head else {'distill.loss_pkd'})


def test_detector_teacher_in_micro_batches_gives_the_whole_batch_losses():
    """One image at a time: the neck's tuple of FPN levels and the head's
    (scores, boxes) lists of levels are joined along the batch."""
    losses = {}
    for micro_batch in (None, 1):
        algo = build(True, True)
        if micro_batch:
            algo.frozen_teacher.execution.micro_batch = micro_batch
        algo.train()
        for step in range(2):  # planning forward, then the early-exit one
            out = algo(*batch(step), mode='loss')
        losses[micro_batch] = {
            k: float(v)
            for k, v in out.items() if k.startswith('distill.')
        }
        algo.teardown()
    assert losses[1] == pytest.approx(losses[None], rel=1e-5)
