import math

import numpy as np
import pytest
import torch
import torch.nn as nn
from numeric import Check, assert_checks

from mmkd.models.connectors import ConvBNConnector
from mmkd.models.losses import OFDLoss
from mmkd.models.losses.ofd import bn_margin
from mmkd.models.recorders import LayerNotFoundError
from mmkd.registry import MODELS


def numeric_negative_mean(mu, sigma):
    """E[x | x < 0] for x ~ N(mu, sigma^2) by numerical integration."""
    x = np.linspace(mu - 12 * sigma, 0.0, 200001)
    pdf = np.exp(-0.5 * ((x - mu) / sigma)**2)
    return np.trapezoid(x * pdf, x) / np.trapezoid(pdf, x)


def reference_ofd(s, t, margin):
    """Element loop: the target is max(t, m_c); count (s - target)^2 where
    the student exceeds it or the target is positive."""
    total = 0.0
    n, c, h, w = s.shape
    for i in range(n):
        for k in range(c):
            for y in range(h):
                for x in range(w):
                    a = float(s[i, k, y, x])
                    b = max(float(t[i, k, y, x]), float(margin[k]))
                    if a > b or b > 0:
                        total += (a - b)**2
    return total / n


def toy_teacher():
    return nn.Sequential(
        nn.Conv2d(3, 4, 1), nn.Sequential(nn.BatchNorm2d(4), nn.ReLU()))


def test_margin_matches_numeric_integral_and_fallback():
    gamma = torch.tensor([1.0, -0.5, 2.0, 0.3, 1.0])
    beta = torch.tensor([0.0, 0.2, -1.0, 0.5, 4.0])
    margins = bn_margin(gamma, beta)
    for k in range(4):
        expected = numeric_negative_mean(beta[k].item(), abs(gamma[k].item()))
        assert margins[k].item() == pytest.approx(expected, rel=1e-4)
    # for mu=0 the conditional mean is -sigma * sqrt(2 / pi)
    assert margins[0].item() == pytest.approx(
        -math.sqrt(2 / math.pi), rel=1e-6)
    # negative mass Phi(-4) < 1e-3: the -3 sigma fallback
    assert margins[4].item() == pytest.approx(-3.0)
    assert (margins < 0).all()


def test_init_from_models_reads_the_named_bn():
    torch.manual_seed(0)
    teacher = toy_teacher()
    bn = teacher[1][0]
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
    loss_fn = MODELS.build(dict(type='ofd', teacher_bn='1.0'))
    assert 'margin' not in loss_fn.state_dict()  # recomputed, not saved
    loss_fn.init_from_models(nn.Identity(), teacher)
    assert torch.allclose(loss_fn.margin, bn_margin(bn.weight, bn.bias))


def ofd_checks():
    """The loss against the element loop and the student gradient against
    ``2 (s - target)`` on the counted elements."""
    torch.manual_seed(0)
    loss_fn = OFDLoss(teacher_bn='1.0', loss_weight=1e-3)
    loss_fn.init_from_models(None, toy_teacher())
    loss_fn.margin = torch.tensor([-0.3, -0.8, -0.1, -1.2])
    connector = ConvBNConnector(3, 4)
    x = torch.randn(2, 3, 3, 3, requires_grad=True)
    t = torch.randn(2, 4, 3, 3, requires_grad=True)
    s = connector(x)
    loss = loss_fn(s, t)
    expected = 1e-3 * reference_ofd(s.detach(), t.detach(), loss_fn.margin)

    # reference gradient, 2 * (s - target) on the counted elements
    s_d = s.detach().double()
    target = torch.maximum(t.detach().double(),
                           loss_fn.margin.double().view(1, -1, 1, 1))
    counted = (s_d > target) | (target > 0)
    grad_ref = 1e-3 * 2 * (s_d - target) * counted / 2
    grad_s, = torch.autograd.grad(loss, s, retain_graph=True)

    loss.backward()
    assert t.grad is None
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in connector.parameters())
    return [
        Check('loss', loss, expected, rtol=1e-5),
        Check('student', grad_s, grad_ref)
    ]


def test_matches_loops_with_grads_to_student_and_connector():
    assert_checks(ofd_checks())


def test_teacher_below_margin_and_student_below_is_free():
    loss_fn = OFDLoss(teacher_bn='1.0')
    loss_fn.margin = torch.tensor([-1.0])
    t = torch.tensor([-5.0, -5.0, 2.0]).view(1, 1, 1, 3)
    s = torch.tensor([-7.0, 0.0, 1.0]).view(1, 1, 1, 3)
    # -7 < max(-5, -1): not counted; 0 > -1: (0 + 1)^2; t > 0: (1 - 2)^2
    assert loss_fn(s, t).item() == pytest.approx(2.0)


def test_bad_names_and_inputs():
    teacher = toy_teacher()
    with pytest.raises(
            LayerNotFoundError,
            match=r"OFDLoss\(teacher_bn='1\.1\.0'\).*"
            r"Did you mean.*'1\.0'"):
        OFDLoss(teacher_bn='1.1.0').init_from_models(None, teacher)
    with pytest.raises(TypeError, match=r"OFDLoss\(teacher_bn='0'\).*Conv2d"):
        OFDLoss(teacher_bn='0').init_from_models(None, teacher)
    loss_fn = OFDLoss(teacher_bn='1.0')
    with pytest.raises(RuntimeError, match='margins not set'):
        loss_fn(torch.randn(1, 4, 2, 2), torch.randn(1, 4, 2, 2))
    loss_fn.init_from_models(None, teacher)
    with pytest.raises(
            ValueError, match=r'OFDLoss.*\(1, 4, 2, 2\).*'
            r'\(1, 3, 2, 2\)'):
        loss_fn(torch.randn(1, 4, 2, 2), torch.randn(1, 3, 2, 2))
    with pytest.raises(ValueError, match=r'4 margins.*\(1, 5, 2, 2\)'):
        loss_fn(torch.randn(1, 5, 2, 2), torch.randn(1, 5, 2, 2))


@pytest.mark.parametrize('arch,source,record_idx,stage', [
    ('resnet8', 'layer3.0.relu', 1, 'layer3'),
    ('wrn_16_1', 'bn1', None, None),
])
def test_config_recorders_give_pre_relu_features(arch, source, record_idx,
                                                 stage):
    """The configs' recorders see the tensor the ReLU is applied to."""
    from mmkd.models.recorders import ModuleInputs, ModuleOutputs
    torch.manual_seed(0)
    model = MODELS.build(dict(type=arch, num_classes=10)).eval()
    if record_idx is None:  # WRN: bn1's output, then model.relu
        recorder, after = ModuleOutputs(source), 'relu'
    else:  # ResNet: the block's second ReLU call, on bn2 + shortcut
        recorder, after = ModuleInputs(source), stage
    outputs = ModuleOutputs(after)
    recorder.initialize(model, 'student')
    outputs.initialize(model, 'student')
    recorder.recording = outputs.recording = True
    with torch.no_grad():
        model.forward_logits(torch.randn(2, 3, 16, 16))
    pre = recorder.get_record_data(record_idx or 0,
                                   None if record_idx is None else 0)
    assert (pre < 0).any()
    assert torch.equal(torch.relu(pre), outputs.get_record_data())
