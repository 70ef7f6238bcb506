import numpy as np
import pytest
import torch

from mmkd.models.losses.cwd import ChannelWiseDivergence
from mmkd.registry import MODELS


def reference_cwd(s, t, tau):
    """Per (sample, channel) KL of spatial softmaxes, float64 loops."""
    s = s.detach().double().numpy() / tau
    t = t.detach().double().numpy() / tau
    n, c = s.shape[:2]
    total = 0.0
    for i in range(n):
        for k in range(c):
            a = s[i, k].ravel()
            b = t[i, k].ravel()
            p_s = np.exp(a - a.max()) / np.exp(a - a.max()).sum()
            p_t = np.exp(b - b.max()) / np.exp(b - b.max()).sum()
            total += (p_t * np.log(p_t) - p_t * np.log(p_s)).sum()
    return tau**2 * total / (n * c)


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_matches_formula_and_grads(tau):
    g = torch.Generator().manual_seed(0)
    s = torch.randn(2, 3, 4, 5, generator=g, requires_grad=True)
    t = torch.randn(2, 3, 4, 5, generator=g, requires_grad=True)
    loss = ChannelWiseDivergence(tau=tau, loss_weight=3.0)(s, t)
    assert loss.dim() == 0
    assert loss.item() == pytest.approx(
        3.0 * reference_cwd(s, t, tau), rel=1e-5)
    loss.backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None


def test_levels_are_summed_and_registry_alias():
    g = torch.Generator().manual_seed(1)
    s = [torch.randn(2, 4, n, n, generator=g) for n in (6, 3)]
    t = [torch.randn(2, 4, n, n, generator=g) for n in (6, 3)]
    loss_fn = MODELS.build(dict(type='cwd', tau=2.0))
    assert isinstance(loss_fn, ChannelWiseDivergence)
    expected = sum(loss_fn(a, b) for a, b in zip(s, t))
    assert loss_fn(tuple(s), t).item() == pytest.approx(expected.item())
    assert loss_fn(s[0], s[0]).item() == pytest.approx(0.0, abs=1e-6)


def test_bad_inputs_and_half():
    loss_fn = ChannelWiseDivergence()
    with pytest.raises(
            ValueError,
            match=r'ChannelWiseDivergence.*'
            r'\(2, 3, 4, 4\).*\(2, 5, 4, 4\)'):
        loss_fn(torch.randn(2, 3, 4, 4), torch.randn(2, 5, 4, 4))
    with pytest.raises(ValueError, match='4-D inputs'):
        loss_fn(torch.randn(2, 3, 4), torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match='2 levels, the teacher 1'):
        loss_fn([torch.randn(1, 2, 2, 2)] * 2, [torch.randn(1, 2, 2, 2)])
    with pytest.raises(ValueError, match=r'level 1'):
        loss_fn([torch.randn(1, 2, 2, 2)] * 2,
                [torch.randn(1, 2, 2, 2),
                 torch.randn(1, 3, 2, 2)])
    with pytest.raises(
            ValueError, match='ChannelWiseDivergence: tau must be a number'):
        ChannelWiseDivergence(tau=0)
    half = loss_fn(
        torch.randn(2, 3, 8, 8).half() * 20,
        torch.randn(2, 3, 8, 8).half() * 20)
    assert half.dtype == torch.float32 and torch.isfinite(half)
