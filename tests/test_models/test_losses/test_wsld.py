import math

import numpy as np
import pytest
import torch
from numeric import Check, assert_checks

from mmkd.models.losses import WSLDLoss
from mmkd.registry import MODELS


def log_softmax_row(z):
    z = z - z.max()
    return z - math.log(np.exp(z).sum())


def reference_wsld_np(s, t, labels, T):
    """Weighted KD by the paper, one sample at a time (float64)."""
    s, t = s.astype(np.float64), t.astype(np.float64)
    total = 0.0
    for s_i, t_i, y in zip(s, t, labels):
        ce_s = -log_softmax_row(s_i)[y]
        ce_t = -log_softmax_row(t_i)[y]
        weight = 1 - math.exp(-ce_s / ce_t)
        log_p_s, log_p_t = log_softmax_row(s_i / T), log_softmax_row(t_i / T)
        kl = float((np.exp(log_p_t) * (log_p_t - log_p_s)).sum())
        total += weight * kl
    return T * T * total / len(labels)


def paper_soft_ce_torch(s, t, labels, T):
    """The authors' form: weighted cross-entropy with the teacher's soft
    labels (weights without gradient), for the gradient comparison."""
    total = 0
    for i, y in enumerate(labels.tolist()):
        with torch.no_grad():
            ce_s = -torch.log_softmax(s[i].double(), 0)[y]
            ce_t = -torch.log_softmax(t[i].double(), 0)[y]
            weight = 1 - torch.exp(-ce_s / ce_t)
        p_t = torch.softmax(t[i].double() / T, 0)
        total = total - weight * (
            p_t * torch.log_softmax(s[i].double() / T, 0)).sum()
    return T * T * total / len(labels)


def wsld_checks(T):
    """The loss against the weighted formula and the student gradient
    against the authors' weighted soft cross-entropy (float64)."""
    torch.manual_seed(0)
    s = torch.randn(5, 6, requires_grad=True)
    t = torch.randn(5, 6, requires_grad=True)
    labels = torch.tensor([0, 5, 2, 2, 1])
    loss = WSLDLoss(tau=T, loss_weight=2.5)(s, t, labels)
    expected = 2.5 * reference_wsld_np(s.detach().numpy(),
                                       t.detach().numpy(), labels.numpy(), T)
    loss.backward()
    s_ref = s.detach().double().requires_grad_(True)
    (2.5 * paper_soft_ce_torch(s_ref, t.detach(), labels, T)).backward()
    assert t.grad is None
    return [
        Check('loss', loss, expected, rtol=1e-5),
        Check('student', s.grad, s_ref.grad)
    ]


@pytest.mark.parametrize('T', [1.0, 2.0])
def test_matches_weighted_formula_and_authors_gradients(T):
    assert_checks(wsld_checks(T))


def test_zero_when_equal_and_small_weight_where_student_is_better():
    torch.manual_seed(1)
    x = torch.randn(3, 4)
    labels = torch.tensor([0, 1, 3])
    assert WSLDLoss()(x, x, labels).item() == pytest.approx(0.0, abs=1e-6)
    # student confident on the label, teacher not: the weight nearly
    # vanishes, so the loss is far below the unweighted KD term
    s = torch.tensor([[12.0, 0.0, 0.0]])
    t = torch.tensor([[0.0, 3.0, 0.0]])
    weighted = WSLDLoss(tau=1.0)(s, t, torch.tensor([0]))
    p_t = torch.softmax(t, 1)
    plain = (p_t * (p_t.log() - torch.log_softmax(s, 1))).sum()
    assert weighted.item() < 0.01 * plain.item()


def test_alias_and_declared_labels():
    assert type(MODELS.build(dict(type='wsld'))) is WSLDLoss
    assert WSLDLoss.data_sample_inputs == dict(gt_labels='gt_label')


def test_bad_inputs_are_named():
    s, t = torch.randn(2, 5), torch.randn(2, 5)
    with pytest.raises(ValueError, match=r'WSLDLoss.*\(2, 5\).*\(3, 5\)'):
        WSLDLoss()(s, torch.randn(3, 5), [0, 1])
    with pytest.raises(ValueError, match='WSLDLoss: needs gt_labels'):
        WSLDLoss()(s, t)
    with pytest.raises(ValueError, match='WSLDLoss: gt_labels has 1 values'):
        WSLDLoss()(s, t, [0])
    with pytest.raises(
            ValueError, match=r'WSLDLoss: gt_labels must lie in \[0, 5\)'):
        WSLDLoss()(s, t, [-1, 2])
    with pytest.raises(ValueError, match='WSLDLoss: T must be a number > 0'):
        WSLDLoss(T=0)
    with pytest.raises(ValueError, match='WSLDLoss: tau must be a number > 0'):
        WSLDLoss(tau=0)
