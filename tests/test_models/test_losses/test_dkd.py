import pytest
import torch
from mmengine.registry import init_default_scope
from numeric import Check, assert_checks

from mmkd.models import ConfigurableDistiller
from mmkd.models.losses import DKDLoss, KDLoss
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample


def reference_dkd(s, t, labels, alpha, beta, T):
    """DKD by the paper's decomposition, one sample at a time (float64):
    binary target/non-target distributions and the distribution among the
    non-target classes, obtained by renormalising the full softmax."""
    total = 0
    for i, y in enumerate(labels.tolist()):
        p_s = torch.softmax(s[i].double() / T, dim=0)
        p_t = torch.softmax(t[i].double() / T, dim=0)
        b_s = torch.stack([p_s[y], 1 - p_s[y]])
        b_t = torch.stack([p_t[y], 1 - p_t[y]])
        tckd = (b_t * torch.log(b_t / b_s)).sum()
        others = [j for j in range(s.shape[1]) if j != y]
        q_s = p_s[others] / p_s[others].sum()
        q_t = p_t[others] / p_t[others].sum()
        nckd = (q_t * torch.log(q_t / q_s)).sum()
        total = total + alpha * tckd + beta * nckd
    return total / len(labels) * T * T


def dkd_checks(alpha, beta, T):
    """The loss and the student gradient with their float64 references."""
    torch.manual_seed(0)
    s = torch.randn(5, 7, requires_grad=True)
    t = torch.randn(5, 7, requires_grad=True)
    labels = torch.tensor([0, 3, 6, 3, 1])
    loss = DKDLoss(
        alpha=alpha, beta=beta, tau=T, loss_weight=0.5)(s, t, labels)
    s_ref = s.detach().double().requires_grad_(True)
    expected = 0.5 * reference_dkd(s_ref, t.detach(), labels, alpha, beta, T)
    loss.backward()
    expected.backward()
    assert t.grad is None
    return [
        Check('loss', loss, expected, rtol=1e-5),
        Check('student', s.grad, s_ref.grad)
    ]


@pytest.mark.parametrize('alpha,beta,T', [(1.0, 8.0, 4.0), (0.5, 2.0, 1.0)])
def test_matches_paper_decomposition_with_grads(alpha, beta, T):
    assert_checks(dkd_checks(alpha, beta, T))


def test_kd_is_tckd_plus_teacher_weighted_nckd():
    # the paper's identity for one sample: KD = TCKD + (1 - p_t[y]) * NCKD
    torch.manual_seed(1)
    s, t = torch.randn(1, 6), torch.randn(1, 6)
    label = torch.tensor([2])
    p_t_y = torch.softmax(t / 4.0, dim=1)[0, 2].item()
    dkd = DKDLoss(alpha=1.0, beta=1 - p_t_y, tau=4.0)(s, t, label)
    # two float32 sums of KL terms that largely cancel: ~3e-6 apart here
    assert dkd.item() == pytest.approx(KDLoss(tau=4.0)(s, t).item(), rel=1e-4)


def test_zero_when_student_equals_teacher_and_finite_on_large_logits():
    torch.manual_seed(2)
    x = torch.randn(4, 5)
    labels = torch.tensor([0, 1, 2, 4])
    assert DKDLoss()(x, x, labels).item() == pytest.approx(0.0, abs=1e-6)
    big_s, big_t = 200 * torch.randn(4, 5), 200 * torch.randn(4, 5)
    loss = DKDLoss()(big_s.requires_grad_(True), big_t, labels)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(big_s.grad).all()
    half = DKDLoss()(x.half(), (2 * x).half(), labels)
    assert half.dtype == torch.float32 and torch.isfinite(half)


def test_labels_as_data_sample_entries_or_tensor_agree():
    torch.manual_seed(3)
    s, t = torch.randn(3, 4), torch.randn(3, 4)
    as_tensor = DKDLoss()(s, t, torch.tensor([1, 0, 3]))
    as_samples = DKDLoss()(
        s, t, [torch.tensor([1]),
               torch.tensor([0]),
               torch.tensor([3])])
    assert as_tensor.item() == pytest.approx(as_samples.item())


def test_alias_and_declared_labels():
    loss = MODELS.build(dict(type='dkd', beta=2.0))
    assert type(loss) is DKDLoss and loss.beta == 2.0
    assert DKDLoss.data_sample_inputs == dict(gt_labels='gt_label')


def test_bad_inputs_are_named():
    s, t = torch.randn(2, 5), torch.randn(2, 5)
    with pytest.raises(ValueError, match=r'DKDLoss.*\(2, 5\).*\(2, 6\)'):
        DKDLoss()(s, torch.randn(2, 6), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='DKDLoss: expects 2-D'):
        DKDLoss()(torch.randn(2, 5, 1), torch.randn(2, 5, 1), [0, 1])
    with pytest.raises(ValueError, match='DKDLoss: needs gt_labels'):
        DKDLoss()(s, t)
    with pytest.raises(
            ValueError, match='gt_labels has 3 values for a batch '
            'of 2'):
        DKDLoss()(s, t, torch.tensor([0, 1, 2]))
    with pytest.raises(
            ValueError, match=r'DKDLoss: gt_labels must lie in \[0, 5\)'):
        DKDLoss()(s, t, torch.tensor([0, 5]))
    with pytest.raises(ValueError, match='at least 2 classes'):
        DKDLoss()(torch.randn(2, 1), torch.randn(2, 1), [0, 0])
    with pytest.raises(ValueError, match='DKDLoss: tau must be a number > 0'):
        DKDLoss(tau=0)
    with pytest.raises(ValueError, match='DKDLoss: T must be a number > 0'):
        DKDLoss(T=0)  # the old spelling is named as given
    with pytest.raises(
            TypeError,
            match=r"DKDLoss: tau must be a number > 0, "
            r"got '4' \(str\)"):
        DKDLoss(tau='4')


def test_compact_distiller_feeds_data_sample_labels_to_dkd():
    init_default_scope('mmkd')
    torch.manual_seed(0)
    student = MODELS.build(dict(type='resnet8', num_classes=10))
    teacher = MODELS.build(dict(type='resnet14', num_classes=10)).eval()
    distiller = ConfigurableDistiller(
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='DKDLoss', beta=2.0)],
        weights=[0.5])
    distiller.prepare(student, teacher)
    x = torch.randn(3, 3, 32, 32)
    labels = [7, 0, 4]
    samples = [ClsDataSample().set_gt_label(i) for i in labels]
    distiller.reset()
    with distiller.teacher_recorders.recording(), torch.no_grad():
        logits_t = teacher(x)
    with distiller.student_recorders.recording():
        logits_s = student(x)
    losses = distiller.compute_distill_losses(samples)
    direct = DKDLoss(beta=2.0)(logits_s, logits_t, torch.tensor(labels))
    assert set(losses) == {'loss_dkd'}
    assert losses['loss_dkd'].item() == pytest.approx(
        0.5 * direct.item(), rel=1e-6)
    # other labels give another loss: the labels really reach it
    shuffled = [ClsDataSample().set_gt_label(i) for i in (1, 2, 3)]
    other = distiller.compute_distill_losses(shuffled)['loss_dkd']
    assert other.item() != pytest.approx(losses['loss_dkd'].item())
    with pytest.raises(ValueError, match='needs data_samples.gt_label'):
        distiller.compute_distill_losses(None)
    distiller.reset()
