import math

import pytest
import torch
from numeric import Check, assert_checks

from mmkd.models.losses import RKDLoss
from mmkd.models.losses.rkd import triplet_cosines
from mmkd.registry import MODELS


def huber(x):
    return 0.5 * x * x if abs(x.item()) < 1 else abs(x) - 0.5


def reference_terms(s, t):
    """Distance- and angle-wise terms of Park et al. with explicit loops
    over pairs and triplets (float64; differentiable in ``s``)."""
    s, t = s.double().flatten(1), t.double().flatten(1)
    n = s.size(0)

    def distances(e):
        d = [[
            math.nan if i == j else torch.sqrt(((e[i] - e[j])**2).sum())
            for j in range(n)
        ] for i in range(n)]
        mean = sum(d[i][j] for i in range(n) for j in range(n) if i != j) \
            / (n * (n - 1))
        return d, mean

    def cosine(e, i, j, k):
        a, b = e[i] - e[j], e[k] - e[j]
        return (a * b).sum() / torch.sqrt((a * a).sum() * (b * b).sum())

    (d_s, mu_s), (d_t, mu_t) = distances(s), distances(t)
    dist_term = sum(
        huber(d_s[i][j] / mu_s - d_t[i][j] / mu_t) for i in range(n)
        for j in range(n) if i != j) / n**2
    angle_term = sum(
        huber(cosine(s, i, j, k) - cosine(t, i, j, k)) for j in range(n)
        for i in range(n) for k in range(n) if i != j and k != j) / n**3
    return dist_term, angle_term


def rkd_checks(weights):
    """The loss and the student gradient with their float64 references."""
    g = torch.Generator().manual_seed(0)
    s = torch.randn(5, 4, generator=g, requires_grad=True)
    t = torch.randn(5, 6, generator=g, requires_grad=True)  # other size
    loss = RKDLoss(*weights, loss_weight=0.5)(s, t)
    s_ref = s.detach().double().requires_grad_()
    dist_term, angle_term = reference_terms(s_ref, t.detach())
    expected = 0.5 * (weights[0] * dist_term + weights[1] * angle_term)
    assert loss.dim() == 0
    loss.backward()
    expected.backward()
    assert s.grad.abs().sum() > 0
    assert t.grad is None
    return [
        Check('loss', loss, expected, rtol=1e-5),
        Check('student', s.grad, s_ref.grad)
    ]


@pytest.mark.parametrize('weights', [(25.0, 50.0), (1.0, 0.0), (0.0, 2.0)])
def test_matches_loops_with_grads(weights):
    assert_checks(rkd_checks(weights))


def test_both_huber_branches_are_exercised():
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(5, 4, generator=g), torch.randn(5, 6, generator=g)
    diff = (triplet_cosines(s) - triplet_cosines(t)).abs()
    assert (diff > 1).any() and ((diff > 0) & (diff < 1)).any()


def test_relations_ignore_scale_and_pooled_maps_are_flattened():
    g = torch.Generator().manual_seed(1)
    s, t = torch.randn(4, 8, generator=g), torch.randn(4, 8, generator=g)
    loss = RKDLoss()
    assert loss(3.0 * s, t).item() == pytest.approx(
        loss(s, t).item(), rel=1e-5)
    assert loss(s[:, :, None, None], t[:, :, None, None]).item() == \
        pytest.approx(loss(s, t).item(), rel=1e-6)
    assert loss(s, 2.0 * s).item() == pytest.approx(0.0, abs=1e-5)
    # a batch of two (the config tests' batch) works: the angles are trivial
    assert math.isfinite(loss(s[:2], t[:2]).item())


def test_registry_alias_defaults_and_errors():
    loss = MODELS.build(dict(type='rkd'))
    assert isinstance(loss, RKDLoss)
    assert (loss.distance_weight, loss.angle_weight) == (25.0, 50.0)
    with pytest.raises(ValueError, match=r'RKDLoss.*\(4, 8\).*\(3, 8\)'):
        loss(torch.randn(4, 8), torch.randn(3, 8))
    with pytest.raises(ValueError, match=r'RKDLoss.*teacher.*\(4,\)'):
        loss(torch.randn(4, 8), torch.randn(4))
    with pytest.raises(ValueError, match=r'RKDLoss.*at least 2.*\(1, 8\)'):
        loss(torch.randn(1, 8), torch.randn(1, 8))
