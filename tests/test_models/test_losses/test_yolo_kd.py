import numpy as np
import pytest
import torch

from mmkd.models.losses import YoloKDLoss
from mmkd.registry import MODELS


def reference_yolo_kd(student, teacher, nc, giou, dist, obj, cls):
    """The formula, level by level, with explicit sums in float64."""
    l_box = l_obj = l_cls = 0.0
    for p, t in zip(student, teacher):
        p, t = p.detach().double().numpy(), t.detach().double().numpy()
        s = 1.0 / (1.0 + np.exp(-t[..., 4]))
        box = ((p[..., :4] - t[..., :4])**2 * s[..., None]).sum()
        l_box += box / p[..., :4].size
        l_obj += ((p[..., 4] - t[..., 4])**2 * s).sum() / s.size
        if nc > 1:
            c = ((p[..., 5:] - t[..., 5:])**2 * s[..., None]).sum()
            l_cls += c / p[..., 5:].size
    batch = student[0].shape[0]
    return (l_box * giou * dist + l_obj * obj * dist +
            l_cls * cls * dist) * batch


def levels(nc, requires_grad=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(
            2, 3, size, size, 5 + nc, generator=g, requires_grad=requires_grad)
        for size in (8, 4, 2)
    ]


@pytest.mark.parametrize('nc', [1, 4])
def test_matches_formula_single_and_multi_class(nc):
    student = levels(nc, requires_grad=True, seed=1)
    teacher = levels(nc, requires_grad=True, seed=2)
    loss_fn = YoloKDLoss(nc=nc, giou=0.05, dist=1.0, obj=0.7, cls=0.3)
    loss = loss_fn(student, teacher)
    expected = reference_yolo_kd(student, teacher, nc, 0.05, 1.0, 0.7, 0.3)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert all(p.grad is not None for p in student)
    assert all(t.grad is None for t in teacher)
    if nc == 1:  # class outputs have no effect with one class
        assert student[0].grad[..., 5:].abs().sum() == 0


def test_accepts_eval_mode_teacher_tuple():
    student, teacher = levels(3, seed=1), levels(3, seed=2)
    inference = torch.randn(2, 100, 8)
    loss_fn = MODELS.build(dict(type='YoloKDLoss', nc=3))
    assert loss_fn(student, (inference, teacher)).item() == pytest.approx(
        loss_fn(student, teacher).item())


def test_bad_shapes_are_explained():
    loss_fn = YoloKDLoss(nc=3)
    with pytest.raises(ValueError, match='5 \\+ nc\\) with nc=3'):
        loss_fn(levels(2), levels(2))
    with pytest.raises(ValueError, match='3 levels, the teacher 2'):
        loss_fn(levels(3), levels(3)[:2])
    bad = levels(3)
    bad[1] = torch.randn(2, 3, 5, 5, 8)
    with pytest.raises(ValueError, match='level 1 student shape'):
        loss_fn(bad, levels(3))
