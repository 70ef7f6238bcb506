import numpy as np
import pytest
import torch
from mmdet.registry import MODELS as DET_MODELS

from mmkd.models.losses.yolox_kd import YOLOXKDLoss
from mmkd.registry import MODELS


def reference_yolox_kd(student, teacher, box, obj, cls):
    """Objectness-weighted squared errors, explicit float64 sums."""
    terms = {'box': 0.0, 'obj': 0.0, 'cls': 0.0}
    for lvl in range(len(student[0])):
        p_cls, p_box, p_obj = (
            x[lvl].detach().double().numpy() for x in student)
        t_cls, t_box, t_obj = (
            x[lvl].detach().double().numpy() for x in teacher)
        s = 1.0 / (1.0 + np.exp(-t_obj[:, 0]))  # (N, H, W)
        for key, p, t in (('box', p_box, t_box), ('obj', p_obj, t_obj),
                          ('cls', p_cls, t_cls)):
            total = 0.0
            for c in range(p.shape[1]):
                total += (s * (p[:, c] - t[:, c])**2).sum()
            terms[key] += total / p.size
    return box * terms['box'] + obj * terms['obj'] + cls * terms['cls']


def head_outputs(nc, seed, sizes=(8, 4), requires_grad=False):
    g = torch.Generator().manual_seed(seed)

    def make(c):
        return [
            torch.randn(2, c, n, n, generator=g, requires_grad=requires_grad)
            for n in sizes
        ]

    return make(nc), make(4), make(1)


@pytest.mark.parametrize('nc', [1, 3])
def test_matches_formula_and_grads(nc):
    student = head_outputs(nc, 1, requires_grad=True)
    teacher = head_outputs(nc, 2, requires_grad=True)
    loss_fn = YOLOXKDLoss(box=0.5, obj=2.0, cls=0.3, loss_weight=1.5)
    loss = loss_fn(student, list(teacher))
    expected = 1.5 * reference_yolox_kd(student, teacher, 0.5, 2.0, 0.3)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert all(x.grad is not None and x.grad.abs().sum() > 0
               for part in student for x in part)
    assert all(x.grad is None for part in teacher for x in part)


def test_real_mmdet_yolox_heads():
    torch.manual_seed(0)
    cfg = dict(
        type='YOLOXHead',
        num_classes=3,
        in_channels=8,
        stacked_convs=1,
        strides=(8, 16))
    # _scope_ keeps nested types in mmdet whatever the current default scope
    cfg = dict(cfg, _scope_='mmdet')
    student_head = DET_MODELS.build(dict(cfg, feat_channels=8))
    teacher_head = DET_MODELS.build(dict(cfg, feat_channels=16)).eval()
    feats = (torch.randn(2, 8, 8, 8), torch.randn(2, 8, 4, 4))
    s_out = student_head(feats)
    with torch.no_grad():
        t_out = teacher_head(feats)
    loss_fn = MODELS.build(dict(type='yolox_kd'))
    assert isinstance(loss_fn, YOLOXKDLoss)
    loss = loss_fn(s_out, t_out)
    assert loss.item() == pytest.approx(
        reference_yolox_kd(s_out, t_out, 1.0, 1.0, 1.0), rel=1e-5)
    loss.backward()
    for name in ('multi_level_conv_cls', 'multi_level_conv_reg',
                 'multi_level_conv_obj'):
        for conv in getattr(student_head, name):
            assert conv.weight.grad is not None, name
    assert all(p.grad is None for p in teacher_head.parameters())


def test_bad_inputs_and_half():
    loss_fn = YOLOXKDLoss()
    good = head_outputs(3, 0)
    with pytest.raises(ValueError, match='YOLOXHead.forward'):
        loss_fn(good[0], good)
    with pytest.raises(ValueError, match=r'have \[2, 1, 2\] levels'):
        loss_fn((good[0], good[1][:1], good[2]), good)
    with pytest.raises(
            ValueError, match='student has 1 levels, the '
            'teacher 2'):
        loss_fn(head_outputs(3, 0, sizes=(8, )), good)
    with pytest.raises(
            ValueError, match=r'teacher level 0 must hold.*'
            r'\(2, 5, 8, 8\)'):
        loss_fn(good,
                (good[0], [torch.randn(2, 5, 8, 8)] + good[1][1:], good[2]))
    with pytest.raises(
            ValueError,
            match=r'level 1 student cls_scores shape '
            r'\(2, 2, 4, 4\) and teacher shape \(2, 3, 4, 4\)'):
        loss_fn((good[0][:1] + [torch.randn(2, 2, 4, 4)], ) + good[1:], good)
    half = [[x.half() * 10 for x in part] for part in good]
    out = loss_fn(half, head_outputs(3, 1))
    assert out.dtype == torch.float32 and torch.isfinite(out)
