"""Relational losses stay accurate in float32 for near-duplicate samples.

Samples ``x + 1e-4 * noise`` around one feature of magnitude ~10 agree to
five digits, so their pairwise distances are ~1e-10 of their squared norms:
the expansion ``|a|^2 + |b|^2 - 2 a.b`` in float32 (about 7 digits) loses
them, and the losses that normalise relations (IRG by the largest
distance, RKD by the mean) turn that rounding into gradients that were up
to 100% wrong. Each loss's float32 value and gradient must match a float64
computation on the same (float32-rounded) inputs.
"""
import pytest
import torch

from mmkd.models.losses import CCLoss, IRGLoss, PKTLoss, RKDLoss, SPLoss
from mmkd.models.losses.utils import pairwise_sq_distances


def near_duplicates(n, *shape, seed):
    """``n`` samples ``x + 1e-4 * noise`` around one ``x`` of magnitude
    ~10, rounded to float32 (returned as float64)."""
    g = torch.Generator().manual_seed(seed)
    base = 10 * torch.randn(1, *shape, generator=g, dtype=torch.float64)
    noise = torch.randn(n, *shape, generator=g, dtype=torch.float64)
    return (base + 1e-4 * noise).float().double()


def irg_inputs(seed):
    return [
        near_duplicates(6, 8, 4, 4, seed=seed),
        near_duplicates(6, 16, 2, 2, seed=seed + 1),
        near_duplicates(6, 5, seed=seed + 2)
    ]


def value_and_grads(loss_fn, student, teacher, dtype):
    """The loss and the student gradients with inputs in ``dtype``."""
    as_list = isinstance(student, list)
    student = [x.to(dtype).requires_grad_() for x in student] if as_list \
        else student.to(dtype).requires_grad_()
    teacher = [x.to(dtype) for x in teacher] if as_list else teacher.to(dtype)
    loss = loss_fn(student, teacher)
    leaves = student if as_list else [student]
    grads = torch.autograd.grad(loss, leaves)
    return loss.detach(), grads


CASES = {
    'irg': (IRGLoss, lambda: (irg_inputs(0), irg_inputs(10))),
    'rkd': (RKDLoss, lambda:
            (near_duplicates(6, 16, seed=3), near_duplicates(6, 8, seed=4))),
    'rkd-distance':
    (lambda: RKDLoss(angle_weight=0), lambda:
     (near_duplicates(6, 16, seed=3), near_duplicates(6, 8, seed=4))),
    'cc': (CCLoss, lambda:
           (near_duplicates(6, 16, seed=5), near_duplicates(6, 8, seed=6))),
    'pkt': (PKTLoss, lambda:
            (near_duplicates(6, 16, seed=7), near_duplicates(6, 8, seed=8))),
    'sp': (SPLoss, lambda: (near_duplicates(6, 4, 2, 2, seed=9),
                            near_duplicates(6, 8, 2, 2, seed=10))),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_float32_matches_float64_on_near_duplicates(case):
    build, inputs = CASES[case]
    student, teacher = inputs()
    loss32, grads32 = value_and_grads(build(), student, teacher, torch.float32)
    loss64, grads64 = value_and_grads(build(), student, teacher, torch.float64)
    assert loss32.dtype == torch.float32 and loss64.dtype == torch.float64
    assert loss64 != 0
    assert abs(loss32.double() - loss64) / abs(loss64) < 1e-5
    for g32, g64 in zip(grads32, grads64):
        assert g32.dtype == torch.float32
        error = (g32.double() - g64).norm() / g64.norm()
        assert error < 1e-3, f'{case}: relative gradient error {error:.3g}'


def test_pairwise_distances_where_the_expansion_fails():
    x = near_duplicates(5, 64, seed=11)
    exact = (x[:, None] - x[None]).pow(2).sum(-1)
    x32 = x.float()
    sq = x32.pow(2).sum(1)
    expansion = (sq[:, None] + sq[None] - 2 * x32 @ x32.t()).clamp(min=0)
    off = ~torch.eye(5, dtype=torch.bool)

    def error(d):
        return ((d.double() - exact)[off].abs() / exact[off]).max().item()

    assert error(expansion) > 0.1  # the data is hard for the expansion
    result = pairwise_sq_distances(x32)
    assert result.dtype == torch.float32
    assert error(result) < 1e-6
    assert torch.equal(result.diagonal(), torch.zeros(5))
