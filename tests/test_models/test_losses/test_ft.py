import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numeric import assert_close

from mmkd.models.connectors import Paraphraser, Translator
from mmkd.models.losses import FTLoss
from mmkd.registry import MODELS


def reference_ft(f_s, f_t, p):
    """Per sample, in numpy: unit-L2 factors, p-norm^p of their difference,
    averaged over samples and factor elements."""
    f_s = f_s.detach().double().numpy().reshape(f_s.shape[0], -1)
    f_t = f_t.detach().double().numpy().reshape(f_t.shape[0], -1)
    total = 0.0
    for a, b in zip(f_s, f_t):
        a = a / np.sqrt((a * a).sum())
        b = b / np.sqrt((b * b).sum())
        total += (np.abs(b - a)**p).sum()
    return total / f_s.size


def test_registered_names_and_factor_shapes():
    assert MODELS.get('ft') is FTLoss and MODELS.get('FTLoss') is FTLoss
    para = Paraphraser(8, rate=0.5)
    trans = Translator(4, 8, rate=0.5)
    t = torch.randn(2, 8, 5, 5)
    assert para(t).shape == (2, 4, 5, 5)
    assert para.reconstruct(para(t)).shape == t.shape
    assert trans(torch.randn(2, 4, 5, 5)).shape == (2, 4, 5, 5)


@pytest.mark.parametrize('p', [1.0, 2.0])
def test_matches_reference_with_grads(p):
    torch.manual_seed(0)
    translator = Translator(3, 6, rate=0.5)
    loss_fn = FTLoss(
        in_channels=6, rate=0.5, p=p, recon_weight=0.7, loss_weight=200.0)
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    t = torch.randn(2, 6, 4, 4, requires_grad=True)
    f_s = translator(x)
    loss = loss_fn(f_s, t)

    f_t = loss_fn.paraphraser(t.detach())
    recon = loss_fn.paraphraser.reconstruct(f_t)
    recon_ref = ((recon.double() - t.detach().double())**2).mean().item()
    expected = 200.0 * reference_ft(f_s, f_t, p) + 0.7 * recon_ref
    assert loss.item() == pytest.approx(expected, rel=1e-5)

    # student gradient of the transfer term against an autograd of the
    # reference written with explicit norms
    s_ref = f_s.detach().double().requires_grad_(True)
    a = s_ref.flatten(1)
    a = a / a.pow(2).sum(1, keepdim=True).sqrt()
    b = f_t.detach().double().flatten(1)
    b = b / b.pow(2).sum(1, keepdim=True).sqrt()
    (200.0 * (b - a).abs().pow(p).sum() / a.numel()).backward()
    grad_s, = torch.autograd.grad(loss, f_s, retain_graph=True)
    assert_close(grad_s, s_ref.grad, name='student factor')

    loss.backward()
    assert t.grad is None
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(q.grad is not None for q in translator.parameters())
    # the paraphraser learns from the reconstruction only
    enc = loss_fn.paraphraser.encoder[0].weight.grad
    loss_fn.zero_grad()
    recon_only = 0.7 * F.mse_loss(
        loss_fn.paraphraser.reconstruct(loss_fn.paraphraser(t.detach())),
        t.detach())
    recon_only.backward()
    assert_close(
        enc,
        loss_fn.paraphraser.encoder[0].weight.grad,
        name='paraphraser.encoder.0.weight')
    assert enc.abs().sum() > 0


def test_zero_transfer_term_for_scaled_factors():
    torch.manual_seed(0)
    loss_fn = FTLoss(in_channels=4, recon_weight=0.0)
    t = torch.randn(2, 4, 3, 3)
    f_t = loss_fn.paraphraser(t)
    assert loss_fn(3.0 * f_t, t).item() == pytest.approx(0.0, abs=1e-6)


def test_bad_inputs():
    loss_fn = FTLoss(in_channels=4, rate=0.5)
    with pytest.raises(
            ValueError, match=r'FTLoss.*in_channels=4.*'
            r'\(2, 6, 3, 3\)'):
        loss_fn(torch.randn(2, 2, 3, 3), torch.randn(2, 6, 3, 3))
    with pytest.raises(
            ValueError,
            match=r'FTLoss: the student factor '
            r'\(2, 3, 3, 3\).*\(2, 2, 3, 3\).*Translator'):
        loss_fn(torch.randn(2, 3, 3, 3), torch.randn(2, 4, 3, 3))
    with pytest.raises(
            ValueError, match=r'FTLoss.*student input of shape '
            r'\(2, 2\)'):
        loss_fn(torch.randn(2, 2), torch.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r'Translator\(in_channels=3\)'):
        Translator(3, 4)(torch.randn(1, 5, 2, 2))
    with pytest.raises(ValueError, match='rate must be > 0'):
        Paraphraser(4, rate=0.0)


def test_mmrazor_pretrain_reconstruction_and_init_stage():
    """recon_formula='normalized' is MMRazor's L2Loss (unit-norm maps per
    sample, squared distance summed, / batch), in float64 by hand; a loss
    built with init_stage=True returns it alone (with its weight), and in
    'joint' mode the paraphraser gets the gradient."""
    torch.manual_seed(0)
    loss_fn = FTLoss(
        in_channels=4,
        paraphraser_mode='joint',
        recon_formula='normalized',
        recon_weight=0.5,
        init_stage=True)
    t = torch.randn(3, 4, 5, 5)
    s = torch.randn(3, 2, 5, 5)
    loss = loss_fn(s, t)
    rec = loss_fn.paraphraser.reconstruct(loss_fn.paraphraser(t))
    a = rec.detach().double().numpy().reshape(3, -1)
    b = t.double().numpy().reshape(3, -1)
    expected = sum(
        ((x / np.sqrt((x * x).sum()) - y / np.sqrt((y * y).sum()))**2).sum()
        for x, y in zip(a, b)) / 3
    assert_close(loss.double(),
                 torch.tensor(0.5 * expected, dtype=torch.float64))
    loss.backward()
    assert all(p.grad is not None for p in loss_fn.paraphraser.parameters())
    # the default stays the mean squared error
    mse = FTLoss(in_channels=4, paraphraser_mode='joint', init_stage=True)
    mse.load_state_dict(loss_fn.state_dict())
    assert torch.equal(mse(s, t), F.mse_loss(rec, t))
    with pytest.raises(ValueError, match="recon_formula must be one of"):
        FTLoss(in_channels=4, recon_formula='l2')
    with pytest.raises(TypeError, match='init_stage must be a bool'):
        FTLoss(in_channels=4, init_stage=1)
