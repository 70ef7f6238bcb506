"""The losses whose recipes were fixed (issue 13) against the formulas of the
implementations their configs cite, in float64: value and gradient.

Each reference below is written from the cited code's definition (named in
its docstring), with explicit loops or plain tensor algebra, independently
of mmkd's implementation.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from numeric import assert_close

from mmkd.models.connectors import (LinearEmbedConnector, Paraphraser,
                                    Translator)
from mmkd.models.losses import (ABLoss, CCLoss, CRDLoss, FTLoss,
                                LogitStandardKDLoss, PKDLoss)


def double_leaf(x):
    return x.detach().double().clone().requires_grad_()


# ----------------------------------------------------------------- CC
def repdistiller_cc(e_s, e_t):
    """RepDistiller ``distiller_zoo/CC.py`` (the authors' code): with
    ``d = e_s - e_t``, the mean over i of sum_k |d[i, k]| |d[i+1, k]|."""
    n = e_s.size(0)
    total = 0.
    for i in range(n - 1):
        for k in range(e_s.size(1)):
            total = total + (e_s[i, k] - e_t[i, k]).abs() * \
                (e_s[i + 1, k] - e_t[i + 1, k]).abs()
    return total / (n - 1)


def test_cc_repdistiller_formula_value_and_gradients():
    torch.manual_seed(0)
    embed_s = LinearEmbedConnector(6, 5).double()
    embed_t = LinearEmbedConnector(6, 5).double()
    f_s = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    f_t = torch.randn(4, 6, dtype=torch.float64)
    loss = CCLoss(
        formula='repdistiller', loss_weight=0.02)(embed_s(f_s), embed_t(f_t))
    grads = torch.autograd.grad(
        loss, [f_s, embed_s.linear.weight, embed_t.linear.weight])

    ref_fs = double_leaf(f_s)
    w_s, b_s = (
        double_leaf(p) for p in (embed_s.linear.weight, embed_s.linear.bias))
    w_t, b_t = (
        double_leaf(p) for p in (embed_t.linear.weight, embed_t.linear.bias))
    expected = 0.02 * repdistiller_cc(ref_fs @ w_s.t() + b_s,
                                      f_t @ w_t.t() + b_t)
    ref_grads = torch.autograd.grad(expected, [ref_fs, w_s, w_t])
    assert_close(loss, expected, rtol=1e-12, name='loss')
    for name, got, want in zip(('student', 'embed_s', 'embed_t'), grads,
                               ref_grads):
        assert_close(got, want, rtol=1e-12, name=name)


def test_cc_formulas_differ_by_orders_of_magnitude():
    """Why the weight 0.02 only fits RepDistiller's formula: on the same
    128-d embeddings the paper's kernel term is orders of magnitude
    smaller."""
    torch.manual_seed(0)
    e_s, e_t = torch.randn(64, 128), torch.randn(64, 128)
    cited = CCLoss(formula='repdistiller', loss_weight=0.02)(e_s, e_t)
    paper = CCLoss(formula='taylor_rbf', loss_weight=0.02)(e_s, e_t)
    assert cited / paper > 1e3


def test_cc_repdistiller_needs_equal_sizes():
    with pytest.raises(ValueError, match='equal sizes'):
        CCLoss(formula='repdistiller')(torch.randn(3, 4), torch.randn(3, 5))
    with pytest.raises(ValueError, match='formula must be one of'):
        CCLoss(formula='rbf')


# ----------------------------------------------------------------- FT
def leaky_convs(x, convs, transposed=False, bns=None):
    """3x3 (transposed) convolutions, padding 1, each followed by (train
    mode BN and) LeakyReLU(0.1), from raw weights."""
    for i, (w, b) in enumerate(convs):
        if transposed:
            x = F.conv_transpose2d(x, w, b, padding=1)
        else:
            x = F.conv2d(x, w, b, padding=1)
        if bns is not None:
            gamma, beta = bns[i]
            mean = x.mean(dim=(0, 2, 3), keepdim=True)
            var = ((x - mean)**2).mean(dim=(0, 2, 3), keepdim=True)
            x = (x - mean) / torch.sqrt(var + 1e-5) * gamma[None, :, None,
                                                            None] + \
                beta[None, :, None, None]
        x = torch.where(x > 0, x, 0.1 * x)
    return x


def repdistiller_factor(f):
    """RepDistiller ``FactorTransfer.factor``: normalize(mean_c f^2)."""
    a = f.pow(2).mean(1).flatten(1)
    return a / a.pow(2).sum(1, keepdim=True).sqrt()


def test_paraphraser_and_translator_are_repdistillers():
    """Paraphraser: 3 convs + 3 transposed convs with biases, LeakyReLU
    0.1, no BN (``use_bn=False``); translator: 3 convs with BN."""
    torch.manual_seed(0)
    para = Paraphraser(8, rate=0.5).double()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in para.modules())
    convs = [m for m in para.encoder if isinstance(m, torch.nn.Conv2d)]
    deconvs = [
        m for m in para.decoder if isinstance(m, torch.nn.ConvTranspose2d)
    ]
    assert [c.out_channels for c in convs] == [8, 4, 4]
    assert [c.out_channels for c in deconvs] == [4, 8, 8]
    x = torch.randn(2, 8, 4, 4, dtype=torch.float64)
    factor = leaky_convs(x, [(c.weight, c.bias) for c in convs])
    assert_close(para(x), factor, rtol=1e-12, name='factor')
    assert_close(
        para.reconstruct(para(x)),
        leaky_convs(factor, [(c.weight, c.bias) for c in deconvs], True),
        rtol=1e-12,
        name='reconstruction')

    trans = Translator(3, 8, rate=0.5).double()
    tconvs = [m for m in trans.encoder if isinstance(m, torch.nn.Conv2d)]
    bns = [m for m in trans.encoder if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(bns) == 3 and [c.out_channels for c in tconvs] == [3, 4, 4]
    y = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    assert_close(
        trans(y),
        leaky_convs(
            y, [(c.weight, c.bias) for c in tconvs],
            bns=[(b.weight, b.bias) for b in bns]),
        rtol=1e-10,
        name='translator')


def test_ft_repdistiller_formula_value_and_gradient_frozen_paraphraser():
    torch.manual_seed(0)
    loss_fn = FTLoss(
        in_channels=8,
        formula='repdistiller',
        paraphraser_mode='frozen',
        loss_weight=200.0).double()
    f_s = torch.randn(2, 4, 4, 4, dtype=torch.float64, requires_grad=True)
    f_t = torch.randn(2, 8, 4, 4, dtype=torch.float64)
    loss = loss_fn(f_s, f_t)
    grad, = torch.autograd.grad(loss, f_s)

    ref_s = double_leaf(f_s)
    factor_t = loss_fn.paraphraser(f_t).detach()
    expected = 200.0 * (repdistiller_factor(ref_s) -
                        repdistiller_factor(factor_t)).abs().mean()
    ref_grad, = torch.autograd.grad(expected, ref_s)
    assert_close(loss, expected, rtol=1e-12, name='loss')
    assert_close(grad, ref_grad, rtol=1e-12, name='student factor')
    # frozen: the paraphraser gets no gradient and no reconstruction term
    assert not any(p.requires_grad for p in loss_fn.paraphraser.parameters())


def test_ft_pools_the_larger_factor_like_repdistiller():
    torch.manual_seed(0)
    loss_fn = FTLoss(
        in_channels=4, formula='repdistiller',
        paraphraser_mode='frozen').double()
    f_s = torch.randn(2, 2, 8, 8, dtype=torch.float64)
    f_t = torch.randn(2, 4, 4, 4, dtype=torch.float64)
    factor_t = loss_fn.paraphraser(f_t)
    pooled = F.avg_pool2d(f_s, 2)
    expected = (repdistiller_factor(pooled) -
                repdistiller_factor(factor_t)).abs().mean()
    assert_close(loss_fn(f_s, f_t), expected, rtol=1e-12, name='loss')


def test_ft_init_stage_trains_the_paraphraser_on_reconstruction_only():
    """RepDistiller's init stage for FT: MSE(decoder(encoder(f_t)), f_t),
    gradients to the paraphraser, none to the student."""
    torch.manual_seed(0)
    loss_fn = FTLoss(
        in_channels=4,
        formula='repdistiller',
        paraphraser_mode='frozen',
        loss_weight=200.0).double()
    loss_fn.paraphraser.requires_grad_(True)  # InitStageHook's job
    loss_fn.set_init_stage(True)
    f_s = torch.randn(2, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    f_t = torch.randn(2, 4, 3, 3, dtype=torch.float64)
    loss = loss_fn(f_s, f_t)
    recon = loss_fn.paraphraser.reconstruct(loss_fn.paraphraser(f_t))
    assert_close(loss, ((recon - f_t)**2).mean(), rtol=1e-12, name='loss')
    loss.backward()
    assert f_s.grad is None
    assert loss_fn.paraphraser.encoder[0].weight.grad.abs().sum() > 0


# ----------------------------------------------------------------- AB
def repdistiller_ab(g_s, g_t, margin=1.0):
    """RepDistiller ``distiller_zoo/AB.py``: per stage i of n, weight
    2^(i-n+1), the summed alternative-L2 hinge, / batch / 1000 * 3."""
    n = len(g_s)
    total = 0.
    for i, (s, t) in enumerate(zip(g_s, g_t)):
        hinge = (s + margin)**2 * ((s > -margin) & (t <= 0)).double() + \
            (s - margin)**2 * ((s <= margin) & (t > 0)).double()
        total = total + 2.0**(i - n + 1) * hinge.sum() / s.size(0) / 1000 * 3
    return total


def test_ab_without_connector_matches_repdistiller_stage_weights():
    """Same shapes in student and teacher (the six CIFAR pairs): no
    connector, as RepDistiller's ``Connector`` (identity then)."""
    torch.manual_seed(0)
    shapes = [(2, 4, 8, 8), (2, 8, 4, 4), (2, 16, 2, 2)]
    g_s = [
        torch.randn(s, dtype=torch.float64, requires_grad=True) for s in shapes
    ]
    g_t = [torch.randn(s, dtype=torch.float64) for s in shapes]
    weights = [0.00075, 0.0015, 0.003]  # the configs' loss weights
    loss = sum(
        ABLoss(margin=1.0, loss_weight=w)(s, t)
        for w, s, t in zip(weights, g_s, g_t))
    grads = torch.autograd.grad(loss, g_s)
    refs = [double_leaf(s) for s in g_s]
    expected = repdistiller_ab(refs, g_t)
    ref_grads = torch.autograd.grad(expected, refs)
    assert_close(loss, expected, rtol=1e-12, name='loss')
    for i, (got, want) in enumerate(zip(grads, ref_grads)):
        assert_close(got, want, rtol=1e-12, name=f'stage {i}')


# ----------------------------------------------------------------- LS-KD
def lskd_reference(z_s, z_t, temperature, weight):
    """The authors' ``kd_loss`` with ``logit_stand``
    (mdistiller/distillers/KD.py in logit-standardization-KD): z-score each
    row (unbiased std, + 1e-7), KL(softmax(t/T) || softmax(s/T)) summed
    over classes, batch mean, x T^2, x KD weight."""
    total = 0.
    for s, t in zip(z_s, z_t):
        s = (s - s.mean()) / (1e-7 + s.std())
        t = (t - t.mean()) / (1e-7 + t.std())
        log_p_s = s / temperature - torch.logsumexp(s / temperature, 0)
        p_t = torch.softmax(t / temperature, 0)
        total = total + (p_t * (p_t.log() - log_p_s)).sum()
    return weight * total / z_s.size(0) * temperature**2


@pytest.mark.parametrize('temperature,weight', [(2.0, 9.0), (4.0, 12.0),
                                                (3.0, 9.0)])
def test_lskd_matches_authors_kd_loss(temperature, weight):
    torch.manual_seed(0)
    z_s = torch.randn(3, 10, dtype=torch.float64, requires_grad=True) * 3
    z_t = torch.randn(3, 10, dtype=torch.float64) * 5 + 1
    loss = LogitStandardKDLoss(tau=temperature, loss_weight=weight)(z_s, z_t)
    grad, = torch.autograd.grad(loss, z_s)
    ref = double_leaf(z_s)
    expected = lskd_reference(ref, z_t, temperature, weight)
    ref_grad, = torch.autograd.grad(expected, ref)
    assert_close(loss, expected, rtol=1e-12, name='loss')
    assert_close(grad, ref_grad, rtol=1e-10, name='student logits')


# ----------------------------------------------------------------- CRD
def test_crd_other_class_negatives_follow_repdistillers_exact_mode():
    """CIFAR100InstanceSample, mode 'exact': positive = own index; K
    negatives from the other classes, without replacement when there are
    enough (numpy choice replace=False), with replacement otherwise."""
    torch.manual_seed(0)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 3])
    loss_fn = CRDLoss(
        4, 4, n_data=12, feat_dim=3, nce_k=6, negatives='other_classes')
    with pytest.raises(RuntimeError, match='DatasetLabelsHook'):
        loss_fn.sample_negatives(torch.tensor([0]))
    loss_fn.set_dataset_labels(labels)
    idx = torch.arange(12)
    for _ in range(5):
        neg = loss_fn.sample_negatives(idx)
        assert neg.shape == (12, 6)
        assert (labels[neg] != labels[idx, None]).all()
        # class 0 has 4 samples: 8 others >= 6, drawn without replacement
        for row in neg[labels == 0]:
            assert len(set(row.tolist())) == 6
    few = CRDLoss(
        4, 4, n_data=12, feat_dim=3, nce_k=10, negatives='other_classes')
    few.set_dataset_labels(labels)
    neg = few.sample_negatives(idx)  # 8 others < 10: with replacement
    assert neg.shape == (12, 10)
    assert (labels[neg] != labels[idx, None]).all()
    with pytest.raises(ValueError, match='dataset labels'):
        few.set_dataset_labels(labels[:5])


def crd_reference(e_s, e_t, bank_s, bank_t, rows, tau, n_data):
    """RepDistiller ``ContrastMemory`` + ``ContrastLoss`` for given rows
    (column 0 the positive), Z estimated on this batch."""
    loss = 0.
    for anchor, bank in ((e_s, bank_t), (e_t, bank_s)):
        scores = torch.exp(
            torch.einsum('nkd,nd->nk', bank[rows], anchor) / tau)
        probs = scores / (scores.mean() * n_data).detach()
        m = rows.size(1) - 1
        noise = m / n_data
        log_d1 = torch.log(probs[:, 0] / (probs[:, 0] + noise + 1e-7))
        log_d0 = torch.log(noise / (probs[:, 1:] + noise + 1e-7))
        loss = loss - (log_d1.sum() + log_d0.sum()) / anchor.size(0)
    return loss


def test_crd_with_other_class_negatives_value_and_gradient():
    torch.manual_seed(0)
    labels = torch.arange(10) % 3
    loss_fn = CRDLoss(
        4,
        5,
        n_data=10,
        feat_dim=3,
        nce_k=4,
        negatives='other_classes',
        loss_weight=0.8).double()
    loss_fn.set_dataset_labels(labels)
    f_s = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    f_t = torch.randn(3, 5, dtype=torch.float64)
    idx = torch.tensor([1, 4, 8])
    bank_s = loss_fn.student_memory.clone()
    bank_t = loss_fn.teacher_memory.clone()
    draws = loss_fn.rng.draws
    loss = loss_fn(f_s, f_t, idx)
    grad, = torch.autograd.grad(loss, f_s)
    # the negatives this call drew: replay the stream
    loss_fn.rng.draws = draws
    neg = loss_fn.sample_negatives(idx)
    assert (labels[neg] != labels[idx, None]).all()
    rows = torch.cat([idx[:, None], neg], 1)
    ref_s = double_leaf(f_s)
    e_s = F.normalize(
        ref_s @ loss_fn.embed_student.weight.t() + loss_fn.embed_student.bias,
        dim=1)
    e_t = F.normalize(
        f_t @ loss_fn.embed_teacher.weight.t() + loss_fn.embed_teacher.bias,
        dim=1)
    expected = 0.8 * crd_reference(e_s, e_t, bank_s, bank_t, rows, 0.07, 10)
    ref_grad, = torch.autograd.grad(expected, ref_s)
    assert_close(loss, expected, rtol=1e-10, name='loss')
    assert_close(grad, ref_grad, rtol=1e-8, name='student feature')


# ----------------------------------------------------------------- PKD
def test_pkd_standardises_with_the_sample_std_like_the_authors():
    """MMRazor's PKDLoss.norm (the authors' release): torch.std's default,
    the Bessel-corrected sample std."""
    torch.manual_seed(0)
    s = torch.randn(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    t = torch.randn(2, 3, 4, 4, dtype=torch.float64) * 4 + 1
    loss = PKDLoss(loss_weight=6.0)(s, t)
    grad, = torch.autograd.grad(loss, s)

    def norm(x):
        flat = x.transpose(0, 1).reshape(3, -1)
        n = flat.size(1)
        mean = flat.sum(1, keepdim=True) / n
        std = torch.sqrt(((flat - mean)**2).sum(1, keepdim=True) / (n - 1))
        return (flat - mean) / (std + 1e-6)

    ref = double_leaf(s)
    expected = 6.0 * ((norm(ref) - norm(t))**2).mean() / 2
    ref_grad, = torch.autograd.grad(expected, ref)
    assert_close(loss, expected, rtol=1e-12, name='loss')
    assert_close(grad, ref_grad, rtol=1e-10, name='student')
    assert not math.isclose(
        loss.item(),
        6.0 * F.mse_loss(
            (s - s.mean((0, 2, 3), True)) / (s.std(
                (0, 2, 3), keepdim=True, unbiased=False) + 1e-6),
            (t - t.mean((0, 2, 3), True)) / (t.std(
                (0, 2, 3), keepdim=True, unbiased=False) + 1e-6)).item() / 2,
        rel_tol=1e-3)
