import numpy as np
import pytest
import torch

from mmkd.models.losses import IRGLoss
from mmkd.registry import MODELS


def np_dist(x):
    x = x.reshape(len(x), -1).astype(np.float64)
    d = np.zeros((len(x), len(x)))
    for i in range(len(x)):
        for j in range(len(x)):
            if i != j:
                d[i, j] = ((x[i] - x[j])**2).sum()
    return d / d.max()


def np_pool(x, size):
    n, c, h, w = x.shape
    k = h // size
    return x.reshape(n, c, size, k, size, k).mean(axis=(3, 5))


def np_transform(a, b):
    a = np_pool(a, b.shape[2])
    if a.shape[1] < b.shape[1]:
        n, c, h, w = b.shape
        b = b.reshape(n, c // 2, 2, h, w).mean(axis=2)
    d = ((a - b)**2).reshape(len(a), -1).sum(1)
    return d / d.max()


def mse(x, y):
    return ((x - y)**2).mean()


def reference_irg(student, teacher, vert, edge, tran):
    (a_s, b_s, z_s), (a_t, b_t,
                      z_t) = ([x.detach().double().numpy() for x in side]
                              for side in (student, teacher))
    l_v = mse(z_s, z_t)
    l_e = (
        mse(np_dist(b_s.mean(axis=(2, 3))), np_dist(b_t.mean(axis=(2, 3)))) +
        mse(np_dist(a_s), np_dist(a_t)) + mse(np_dist(b_s), np_dist(b_t))) / 3
    l_t = mse(np_transform(a_s, b_s), np_transform(a_t, b_t))
    return vert * l_v + edge * l_e + tran * l_t


def cifar_like(n, channels, classes=10, requires_grad=False):
    a = torch.randn(n, channels, 8, 8, requires_grad=requires_grad)
    b = torch.randn(n, channels * 2, 4, 4, requires_grad=requires_grad)
    z = torch.randn(n, classes, requires_grad=requires_grad)
    return [a, b, z]


@pytest.mark.parametrize('s_channels,t_channels', [(4, 4), (4, 8)])
def test_matches_formula_for_any_pair(s_channels, t_channels):
    torch.manual_seed(0)
    student = cifar_like(6, s_channels, requires_grad=True)
    teacher = cifar_like(6, t_channels, requires_grad=True)
    loss = IRGLoss(vert=0.1, edge=5.0, tran=5.0)(student, teacher)
    expected = reference_irg(student, teacher, 0.1, 5.0, 5.0)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert all(x.grad is not None for x in student)
    assert all(x.grad is None for x in teacher)


def test_seed_alias_and_bad_inputs():
    loss = MODELS.build(dict(type='irg', vert=0.1, edge=5.0, tran=5.0))
    assert isinstance(loss, IRGLoss)
    with pytest.raises(ValueError, match='feature map A, feature map B'):
        loss([torch.randn(2, 4, 4, 4)], [torch.randn(2, 4, 4, 4)])
    bad = cifar_like(2, 4)
    bad[1] = torch.randn(2, 6, 4, 4)  # 6 is not a multiple of 4
    with pytest.raises(ValueError, match='multiple'):
        loss(bad, cifar_like(2, 4))
