"""DeiTLoss against a hand-written float64 reference of DeiT's
``DistillationLoss`` (facebookresearch/deit, ``losses.py``): the hard mode
is the cross-entropy with the teacher's arg-max class, the soft mode DeiT's
summed KL divided by the number of logits, and with the class token's label
loss weighted ``1 - alpha`` (the student head's own) the two add up to DeiT's
total."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numeric import assert_close

from mmkd.models.losses import DeiTLoss
from mmkd.registry import MODELS


def log_softmax(x):
    x = x - x.max(1, keepdims=True)
    return x - np.log(np.exp(x).sum(1, keepdims=True))


def reference_hard(dist, teacher):
    """mean over samples of -log softmax(dist)[argmax teacher], float64."""
    labels = teacher.argmax(1)
    return -log_softmax(dist)[np.arange(len(dist)), labels].mean()


def reference_soft(dist, teacher, tau):
    """tau^2 * sum p_t (log p_t - log p_s) / (N * C), float64."""
    log_p_s, log_p_t = log_softmax(dist / tau), log_softmax(teacher / tau)
    return (np.exp(log_p_t) * (log_p_t - log_p_s)).sum() * tau**2 / dist.size


def logits(seed, n=6, c=5):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, generator=gen) * 3


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_hard_is_ce_with_the_teachers_argmax(dtype):
    dist = logits(0).to(dtype).requires_grad_()
    teacher = logits(1).to(dtype).requires_grad_()
    loss = DeiTLoss(mode='hard', loss_weight=0.5)(dist, teacher)
    expected = 0.5 * reference_hard(dist.detach().double().numpy(),
                                    teacher.detach().double().numpy())
    assert_close(
        loss, expected, rtol=1e-12 if dtype == torch.float64 else 1e-5)
    loss.backward()
    assert teacher.grad is None and dist.grad.abs().sum() > 0
    # the gradient of CE w.r.t. the logits: (softmax - onehot) * 0.5 / N
    onehot = F.one_hot(teacher.detach().argmax(1), 5).double()
    expected_grad = (F.softmax(dist.detach().double(), 1) - onehot) * 0.5 / 6
    assert_close(dist.grad, expected_grad, rtol=1e-5)


@pytest.mark.parametrize('tau', [1.0, 3.0])
def test_soft_is_deits_kl_over_all_logits(tau):
    dist, teacher = logits(2).double(), logits(3).double()
    loss = DeiTLoss(mode='soft', tau=tau, loss_weight=0.5)(dist, teacher)
    expected = 0.5 * reference_soft(dist.numpy(), teacher.numpy(), tau)
    assert_close(loss, expected, rtol=1e-12)
    # DeiT divides by N * C: the batch-mean KD loss over C
    kd = MODELS.build(dict(type='KDLoss', tau=tau))(dist, teacher)
    assert_close(loss, 0.5 * kd / 5, rtol=1e-12)


def test_with_the_label_loss_it_is_deits_total():
    """DeiT's DistillationLoss('hard', alpha=0.5) with a label-smoothing
    criterion, written out, equals the head's label loss weighted 0.5 plus
    DeiTLoss weighted 0.5."""
    cls_, dist, teacher = logits(4).double(), logits(5).double(), logits(6)
    labels = torch.tensor([0, 1, 2, 3, 4, 0])
    smooth = 0.1
    target = F.one_hot(labels, 5).double() * (1 - smooth) + smooth / 5
    base = -(target.numpy() * log_softmax(cls_.numpy())).sum(1).mean()
    deit = 0.5 * base + 0.5 * reference_hard(dist.numpy(),
                                             teacher.double().numpy())
    from mmpretrain.models.losses import LabelSmoothLoss
    label_loss = LabelSmoothLoss(
        label_smooth_val=smooth, mode='original', loss_weight=0.5)(
            cls_, labels, avg_factor=6)
    ours = label_loss + DeiTLoss(loss_weight=0.5)(dist, teacher.double())
    # mmpretrain builds the smoothed one-hot targets in float32
    assert_close(ours, deit, rtol=1e-6)


def test_ties_take_the_first_class_like_argmax():
    teacher = torch.tensor([[1.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    dist = torch.randn(2, 3, dtype=torch.float64)
    loss = DeiTLoss()(dist, teacher.double())
    expected = reference_hard(dist.numpy(), teacher.double().numpy())
    assert_close(loss, expected, rtol=1e-12)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="mode must be 'hard' or 'soft'"):
        DeiTLoss(mode='kl')
    with pytest.raises(ValueError, match='no effect on the hard mode'):
        DeiTLoss(mode='hard', tau=2.0)
    with pytest.raises(ValueError, match='tau must be'):
        DeiTLoss(mode='soft', tau=0)
    with pytest.raises(ValueError, match='shape'):
        DeiTLoss()(torch.randn(2, 3), torch.randn(2, 4))
