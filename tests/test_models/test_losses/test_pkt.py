import math

import pytest
import torch
from numeric import assert_close

from mmkd.models.losses import PKTLoss
from mmkd.registry import MODELS


def reference_pkt(s, t, eps=1e-7):
    """KL(teacher || student) of the cosine-kernel conditionals, with
    explicit loops (float64; differentiable in ``s``)."""
    s, t = s.double().flatten(1), t.double().flatten(1)
    n = s.size(0)

    def conditionals(e):
        norms = [torch.sqrt((e[i] * e[i]).sum()) for i in range(n)]
        kernel = [[(1 + (e[i] * e[j]).sum() / (norms[i] * norms[j])) / 2
                   for j in range(n)] for i in range(n)]
        return [[kernel[i][j] / sum(kernel[i]) for j in range(n)]
                for i in range(n)]

    p_s, p_t = conditionals(s), conditionals(t)
    total = sum(p_t[i][j] * torch.log((p_t[i][j] + eps) / (p_s[i][j] + eps))
                for i in range(n) for j in range(n))
    return total / n**2


def test_matches_loops_with_grads():
    g = torch.Generator().manual_seed(0)
    s = torch.randn(5, 4, generator=g, requires_grad=True)
    t = torch.randn(5, 7, generator=g, requires_grad=True)  # other size
    loss = PKTLoss(loss_weight=30000.0)(s, t)
    s_ref = s.detach().double().requires_grad_()
    expected = 30000.0 * reference_pkt(s_ref, t.detach())
    assert loss.dim() == 0 and loss.item() > 0
    assert loss.item() == pytest.approx(expected.item(), rel=1e-4)
    loss.backward()
    expected.backward()
    assert s.grad.abs().sum() > 0
    assert_close(s.grad, s_ref.grad, name='student')
    assert t.grad is None


def test_zero_for_the_same_directions_and_pooled_maps():
    g = torch.Generator().manual_seed(1)
    s, t = torch.randn(4, 6, generator=g), torch.randn(4, 6, generator=g)
    loss = PKTLoss()
    assert loss(2.5 * t, t).item() == pytest.approx(0.0, abs=1e-7)
    assert loss(s[:, :, None, None], t[:, :, None, None]).item() == \
        pytest.approx(loss(s, t).item(), rel=1e-6)
    assert math.isfinite(loss(torch.zeros(3, 6), t[:3]).item())


def test_registry_alias_and_errors():
    loss = MODELS.build(dict(type='pkt', loss_weight=30000))
    assert isinstance(loss, PKTLoss) and loss.loss_weight == 30000
    with pytest.raises(ValueError, match=r'PKTLoss.*\(4, 8\).*\(2, 8\)'):
        loss(torch.randn(4, 8), torch.randn(2, 8))
    with pytest.raises(ValueError, match=r'PKTLoss.*student.*\(4,\)'):
        loss(torch.randn(4), torch.randn(4, 8))
    with pytest.raises(ValueError, match=r'PKTLoss.*at least 2'):
        loss(torch.randn(1, 8), torch.randn(1, 8))
