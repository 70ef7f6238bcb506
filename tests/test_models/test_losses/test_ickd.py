import pytest
import torch
from numeric import Check, assert_checks
from reference_ops import batch_norm, conv1x1, leaf_params

from mmkd.models.connectors import ConvBNConnector
from mmkd.models.losses import ICKDLoss
from mmkd.registry import MODELS


def reference_ickd(s, t):
    """Row-normalised channel Gram matrices compared entry by entry, with
    explicit loops over samples and channel pairs (float64;
    differentiable)."""
    s, t = s.double(), t.double()
    n, c = s.shape[:2]

    def icc(x, k):
        gram = [[(x[k, i] * x[k, j]).sum() for j in range(c)]
                for i in range(c)]
        return [[g / torch.sqrt(sum(v * v for v in row)) for g in row]
                for row in gram]

    total = 0.0
    for k in range(n):
        g_s, g_t = icc(s, k), icc(t, k)
        total = total + sum(
            (g_s[i][j] - g_t[i][j])**2 for i in range(c) for j in range(c))
    return total / (n * c)


def ickd_checks():
    """The loss and the gradients of the student input and of the
    connector, each with its float64 reference."""
    torch.manual_seed(0)
    conn = ConvBNConnector(3, 4)  # 1x1 conv (no bias) + BN, train mode
    s = torch.randn(2, 3, 4, 4, requires_grad=True)
    t = torch.randn(2, 4, 2, 2, requires_grad=True)  # other spatial size
    loss = ICKDLoss(loss_weight=2.5)(conn(s), t)

    s_ref = s.detach().double().requires_grad_()
    ref = leaf_params(conn)
    mapped = batch_norm(
        conv1x1(s_ref, ref['layers.0.weight']), ref['layers.1.weight'],
        ref['layers.1.bias'])
    expected = 2.5 * reference_ickd(mapped, t.detach())
    assert loss.dim() == 0 and loss.item() > 0
    loss.backward()
    expected.backward()
    checks = [
        Check('loss', loss, expected, rtol=1e-4),
        Check('student', s.grad, s_ref.grad)
    ]
    for name, param in conn.named_parameters():
        assert param.grad.abs().sum() > 0, name
        checks.append(Check(name, param.grad, ref[name].grad))
    assert t.grad is None
    return checks


def test_matches_loops_with_grads_to_input_and_connector():
    assert_checks(ickd_checks())


def test_levels_are_summed_and_registry_alias():
    g = torch.Generator().manual_seed(1)
    pairs = [(torch.randn(2, 3, 4, 4,
                          generator=g), torch.randn(2, 3, 4, 4, generator=g)),
             (torch.randn(2, 5, 2, 2,
                          generator=g), torch.randn(2, 5, 2, 2, generator=g))]
    loss = MODELS.build(dict(type='ickd', loss_weight=2.5))
    assert isinstance(loss, ICKDLoss)
    summed = loss([s for s, _ in pairs], [t for _, t in pairs])
    assert summed.item() == pytest.approx(
        sum(loss(s, t).item() for s, t in pairs), rel=1e-6)
    # scaling a whole map does not change its correlations
    s, t = pairs[0]
    assert loss(4.0 * t, t).item() == pytest.approx(0.0, abs=1e-6)


def test_errors_name_the_loss_and_shapes():
    loss = ICKDLoss()
    with pytest.raises(
            ValueError,
            match=r'ICKDLoss.*\(2, 3, 4, 4\).*'
            r'\(2, 5, 4, 4\).*connector'):
        loss(torch.randn(2, 3, 4, 4), torch.randn(2, 5, 4, 4))
    with pytest.raises(ValueError, match=r'ICKDLoss.*teacher.*\(2, 3\)'):
        loss(torch.randn(2, 3, 4, 4), torch.randn(2, 3))
    with pytest.raises(ValueError, match=r'ICKDLoss.*2 levels.*1'):
        loss([torch.randn(2, 3, 4, 4)] * 2, [torch.randn(2, 3, 4, 4)])
    with pytest.raises(ValueError, match=r'ICKDLoss \(level 1\).*\(2, 4, 4\)'):
        loss([torch.randn(2, 3, 4, 4)] * 2,
             [torch.randn(2, 3, 4, 4),
              torch.randn(2, 4, 4)])
