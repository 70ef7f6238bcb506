import pytest
import torch
from numeric import assert_close

from mmkd.models.connectors import ConvBNConnector
from mmkd.models.losses import FitNetLoss
from mmkd.registry import MODELS


def test_matches_loop_mse_with_grads_through_regressor():
    torch.manual_seed(0)
    regressor = ConvBNConnector(3, 5, kernel_size=1, act=True)
    s = torch.randn(2, 3, 4, 4, requires_grad=True)
    t = torch.randn(2, 5, 4, 4, requires_grad=True)
    loss_fn = MODELS.build(dict(type='fitnet', loss_weight=100.))
    out = regressor(s)
    loss = loss_fn(out, t)

    ref_out = out.detach().double()
    total = 0.0
    for value_s, value_t in zip(ref_out.flatten().tolist(),
                                t.detach().double().flatten().tolist()):
        total += (value_s - value_t)**2
    assert loss.item() == pytest.approx(100 * total / out.numel(), rel=1e-5)

    loss.backward()
    assert t.grad is None
    # gradient of 100 * mean((r(s) - t)^2), written out for the regressor
    grads = {n: p.grad.clone() for n, p in regressor.named_parameters()}
    s_grad = s.grad.clone()
    for p in list(regressor.parameters()) + [s]:
        p.grad = None
    out2 = regressor(s)
    out2.backward(200 * (out2.detach() - t.detach()) / out2.numel())
    assert_close(s_grad, s.grad, name='student')
    for n, p in regressor.named_parameters():
        assert_close(grads[n], p.grad, name=n)
        assert p.grad.abs().sum() > 0


def test_shape_mismatch_names_the_loss_and_shapes():
    with pytest.raises(
            ValueError,
            match=r'L2Loss.*\(2, 3, 4, 4\).*'
            r'\(2, 5, 4, 4\).*connector'):
        FitNetLoss()(torch.randn(2, 3, 4, 4), torch.randn(2, 5, 4, 4))
    with pytest.raises(TypeError, match='L2Loss: the student input'):
        FitNetLoss()('layer2', torch.randn(1))


def test_levels_are_summed():
    s = [torch.randn(2, 3, 4, 4), torch.randn(2, 3, 2, 2)]
    t = [torch.randn(2, 3, 4, 4), torch.randn(2, 3, 2, 2)]
    expected = sum(((a - b)**2).mean() for a, b in zip(s, t))
    torch.testing.assert_close(FitNetLoss()(s, t), expected)
