"""CachedKDLoss: KDLoss when all classes are kept, the documented
reconstruction of the distribution otherwise."""
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses import CachedKDLoss, KDLoss


def _cached(teacher, k, tau):
    values, classes = teacher.topk(k, dim=1)
    probs = torch.softmax(teacher.double() / tau, dim=1)
    tail = probs.scatter(1, classes, 0.0).sum(1).to(teacher.dtype)
    return values, classes, tail


def _kl(p_t, student, tau):
    log_q = F.log_softmax(student / tau, dim=1)
    return (torch.special.xlogy(p_t, p_t) - p_t * log_q).sum(1).mean() \
        * tau**2


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_all_classes_kept_equals_kdloss(tau):
    torch.manual_seed(0)
    student = torch.randn(16, 100) * 3
    teacher = torch.randn(16, 100) * 3
    expected = KDLoss(tau=tau, loss_weight=0.9)(student, teacher)
    values, classes, tail = _cached(teacher, 100, tau)
    assert float(tail.abs().max()) == 0.0
    for mode in ('uniform', 'renormalize'):
        loss = CachedKDLoss(
            tau=tau, tail=mode, loss_weight=0.9)(student, values, classes,
                                                 tail, [tau] * 16)
        assert torch.allclose(loss, expected, rtol=1e-5, atol=1e-6), mode


def test_top_k_uniform_tail_is_the_reconstructed_distribution():
    torch.manual_seed(1)
    student = torch.randn(8, 20, dtype=torch.float64, requires_grad=True)
    teacher = torch.randn(8, 20, dtype=torch.float64) * 2
    tau, k = 2.0, 5
    values, classes, tail = _cached(teacher, k, tau)
    full = torch.softmax(teacher / tau, dim=1)
    # the top k keep their probabilities; the rest share what is left
    p_t = (tail / (20 - k)).unsqueeze(1).expand(-1, 20).clone()
    p_t.scatter_(1, classes, full.gather(1, classes))
    assert torch.allclose(p_t.sum(1), torch.ones(8, dtype=torch.float64))
    values.requires_grad_()  # the loss must not train the teacher
    # per-sample lists, as the distiller passes them from the data samples
    loss = CachedKDLoss(tau=tau)(student, list(values), list(classes),
                                 [t.reshape(1) for t in tail], [tau] * 8)
    assert torch.allclose(loss, _kl(p_t, student, tau), rtol=1e-10)
    loss.backward()
    assert student.grad is not None and values.grad is None

    renorm = torch.zeros(
        8, 20, dtype=torch.float64).scatter(
            1, classes, torch.softmax(values.detach() / 3.0, dim=1))
    loss = CachedKDLoss(
        tau=3.0, tail='renormalize')(student, values, classes, tail, [tau] * 8)
    assert torch.allclose(loss, _kl(renorm, student, 3.0), rtol=1e-10)


def test_tail_mass_from_another_tau_is_refused():
    values, classes, tail = _cached(torch.randn(2, 10), 3, 2.0)
    with pytest.raises(ValueError, match=r'tau=2.*--tau 4'):
        CachedKDLoss(tau=4)(torch.randn(2, 10), values, classes, tail,
                            [2.0, 2.0])
    with pytest.raises(ValueError, match='do not fit'):
        CachedKDLoss(tau=2)(torch.randn(3, 10), values, classes, tail)
    with pytest.raises(ValueError, match='tail must be one of'):
        CachedKDLoss(tail='zero')
