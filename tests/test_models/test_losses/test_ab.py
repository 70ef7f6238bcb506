import pytest
import torch
from numeric import assert_close

from mmkd.models.connectors import ConvBNConnector
from mmkd.models.losses import ABLoss
from mmkd.registry import MODELS


def reference_ab(s, t, margin):
    """Element loop over the paper's two cases (active / inactive teacher
    neuron), squared distance to the +m / -m side when on the wrong side."""
    s, t = s.double(), t.double()
    total = 0.0
    for x, y in zip(s.flatten().tolist(), t.flatten().tolist()):
        if y > 0 and x < margin:
            total += (x - margin)**2
        elif y <= 0 and x > -margin:
            total += (x + margin)**2
    return total / s.shape[0]


def test_registered_names():
    assert MODELS.get('ab') is ABLoss and MODELS.get('ABLoss') is ABLoss


def test_matches_loops_with_grads_to_student_and_connector():
    torch.manual_seed(0)
    connector = ConvBNConnector(3, 4)
    x = torch.randn(2, 3, 3, 3, requires_grad=True)
    t = torch.randn(2, 4, 3, 3, requires_grad=True)
    loss_fn = ABLoss(margin=0.5, loss_weight=0.3)
    s = connector(x)
    loss = loss_fn(s, t)
    assert loss.item() == pytest.approx(
        0.3 * reference_ab(s.detach(), t.detach(), 0.5), rel=1e-5)

    # reference gradient: 2 * (s - m) where active and s < m, ...
    s_ref = s.detach().double().requires_grad_(True)
    sd = s_ref
    ref = torch.zeros((), dtype=torch.float64)
    active = (t.detach() > 0)
    ref = ref + ((sd - 0.5)**2 * (active & (sd < 0.5))).sum()
    ref = ref + ((sd + 0.5)**2 * (~active & (sd > -0.5))).sum()
    (0.3 * ref / 2).backward()
    grad_s, = torch.autograd.grad(loss, s, retain_graph=True)
    assert_close(grad_s, s_ref.grad, name='student')

    loss.backward()
    assert t.grad is None
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in connector.parameters())


def test_zero_when_student_is_beyond_the_margin_on_the_right_side():
    t = torch.tensor([[1.0, -2.0, 0.0]])
    s = torch.tensor([[1.5, -1.5, -3.0]])
    assert ABLoss(margin=1.0)(s, t).item() == 0.0
    # inside the margin band: both sides are penalised
    s = torch.tensor([[0.5, -0.5, 0.0]])
    assert ABLoss(margin=1.0)(s, t).item() == pytest.approx(0.25 + 0.25 + 1.0)


def test_bad_inputs():
    with pytest.raises(
            ValueError, match=r'ABLoss.*\(2, 4, 3, 3\).*'
            r'\(2, 5, 3, 3\)'):
        ABLoss()(torch.randn(2, 4, 3, 3), torch.randn(2, 5, 3, 3))
    with pytest.raises(ValueError, match='ABLoss: margin'):
        ABLoss(margin=-1.0)
