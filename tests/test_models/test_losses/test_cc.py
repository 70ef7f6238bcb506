import math

import pytest
import torch
import torch.nn as nn
from numeric import Check, assert_checks
from reference_ops import leaf_params

from mmkd.models.connectors import LinearEmbedConnector
from mmkd.models.distillers import ConfigurableDistiller
from mmkd.models.losses import CCLoss
from mmkd.registry import MODELS


def reference_cc(s, t, gamma=0.4, p_order=2):
    """MSE of Taylor-expanded RBF correlations, written from
    ``exp(-gamma |x - y|^2) = exp(-2 gamma) exp(2 gamma x.y)`` for unit
    ``x, y``, with explicit loops (float64; differentiable)."""
    n = s.size(0)

    def correlations(e):
        unit = [e[i] / torch.sqrt((e[i] * e[i]).sum()) for i in range(n)]
        corr = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                x = 2 * gamma * (unit[i] * unit[j]).sum()
                series = sum(x**p / math.factorial(p)
                             for p in range(p_order + 1))
                corr[i][j] = math.exp(-2 * gamma) * series
        return corr

    c_s, c_t = correlations(s.double()), correlations(t.double())
    return sum(
        (c_s[i][j] - c_t[i][j])**2 for i in range(n) for j in range(n)) / n**2


def linear(x, params):
    return x.double().flatten(1) @ params['linear.weight'].t() + \
        params['linear.bias']


def cc_checks():
    """The loss and the gradients of the student input and of both
    connectors, each with its float64 reference."""
    torch.manual_seed(0)
    embed_s = LinearEmbedConnector(6, 5)
    embed_t = LinearEmbedConnector(10, 5)
    s_raw = torch.randn(4, 6, 1, 1, requires_grad=True)
    t_raw = torch.randn(4, 10)  # recorded under no_grad
    loss = CCLoss(loss_weight=2.0)(embed_s(s_raw), embed_t(t_raw))

    s_ref = s_raw.detach().double().requires_grad_()
    ref_s, ref_t = leaf_params(embed_s), leaf_params(embed_t)
    expected = 2.0 * reference_cc(linear(s_ref, ref_s), linear(t_raw, ref_t))
    assert loss.dim() == 0 and loss.item() > 0
    loss.backward()
    expected.backward()
    checks = [
        Check('loss', loss, expected, rtol=1e-4),
        Check('student', s_raw.grad, s_ref.grad)
    ]
    for side, module, ref in (('embed_s', embed_s, ref_s), ('embed_t', embed_t,
                                                            ref_t)):
        for name, param in module.named_parameters():
            assert param.grad.abs().sum() > 0, name
            checks.append(Check(f'{side}.{name}', param.grad, ref[name].grad))
    return checks


def test_matches_loops_with_grads_to_input_and_both_connectors():
    assert_checks(cc_checks())


@pytest.mark.parametrize('gamma', [0.4, 1.0])
def test_high_order_series_approaches_the_rbf_kernel(gamma):
    g = torch.Generator().manual_seed(2)
    e = torch.randn(5, 3, generator=g, dtype=torch.float64)
    unit = e / e.norm(dim=1, keepdim=True)
    rbf = torch.exp(-gamma * torch.cdist(unit, unit)**2)
    corr = CCLoss(gamma=gamma, p_order=12).correlation(e)
    assert torch.allclose(corr, rbf, atol=1e-6)


def test_detach_teacher_freezes_the_teacher_connector():
    torch.manual_seed(0)
    embed_t = LinearEmbedConnector(4, 3)
    s = torch.randn(3, 3, requires_grad=True)
    CCLoss(detach_teacher=True)(s, embed_t(torch.randn(3, 4))).backward()
    assert s.grad.abs().sum() > 0
    assert embed_t.linear.weight.grad is None


def test_explicit_form_trains_a_teacher_side_connector():
    torch.manual_seed(0)
    student = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3))
    teacher = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    embed = dict(type='ModuleInputs', source='2')
    distiller = ConfigurableDistiller(
        student_recorders=dict(embed=embed),
        teacher_recorders=dict(embed=embed),
        connectors=dict(
            embed_s=dict(
                type='LinearEmbedConnector', in_channels=6, out_channels=4),
            embed_t=dict(
                type='LinearEmbedConnector', in_channels=8, out_channels=4)),
        distill_losses=dict(loss_cc=dict(type='cc', loss_weight=0.02)),
        loss_forward_mappings=dict(
            loss_cc=dict(
                student=dict(
                    recorder='embed',
                    from_student=True,
                    data_idx=0,
                    connector='embed_s'),
                teacher=dict(
                    recorder='embed',
                    from_student=False,
                    data_idx=0,
                    connector='embed_t'))))
    distiller.prepare(student, teacher)
    x = torch.randn(4, 5)
    with torch.no_grad(), distiller.teacher_recorders.recording():
        teacher(x)
    with distiller.student_recorders.recording():
        student(x)
    losses = distiller.compute_distill_losses()
    losses['loss_cc'].backward()
    for name in ('embed_s', 'embed_t'):
        weight = distiller.connectors[name].linear.weight
        assert weight.grad is not None and weight.grad.abs().sum() > 0
    assert student[0].weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in teacher.parameters())


def test_linear_embed_connector():
    conn = MODELS.build(
        dict(
            type='LinearEmbedConnector',
            in_channels=6,
            out_channels=3,
            normalize=True))
    out = conn(torch.randn(2, 6, 1, 1))
    assert out.shape == (2, 3)
    assert torch.allclose(out.norm(dim=1), torch.ones(2), atol=1e-6)
    with pytest.raises(ValueError, match=r'in_channels=6.*\(2, 5\).*6 values'):
        conn(torch.randn(2, 5))


def test_registry_alias_and_errors():
    loss = MODELS.build(dict(type='cc', loss_weight=0.02))
    assert isinstance(loss, CCLoss)
    assert (loss.gamma, loss.p_order) == (0.4, 2)
    with pytest.raises(ValueError, match=r'CCLoss.*\(4, 8\).*\(3, 8\)'):
        loss(torch.randn(4, 8), torch.randn(3, 8))
    with pytest.raises(ValueError, match=r'CCLoss.*at least 2'):
        loss(torch.randn(1, 8), torch.randn(1, 8))
    with pytest.raises(ValueError, match='CCLoss: p_order'):
        CCLoss(p_order=-1)
    with pytest.raises(ValueError, match='CCLoss: gamma'):
        CCLoss(gamma=0)
