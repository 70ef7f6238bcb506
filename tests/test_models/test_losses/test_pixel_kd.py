"""PixelWiseKDLoss against an independent implementation, and the
segmentation-logit cases of CWD (seg-shaped logits, size/class mismatch,
resize)."""
import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from numeric import assert_close

from mmkd.models.connectors.connectors import ResizeConnector
from mmkd.models.losses.cwd import ChannelWiseDivergence
from mmkd.models.losses.pixel_kd import PixelWiseKDLoss
from mmkd.registry import MODELS


def reference_pixel_kd(s, t, tau):
    """Mean over pixels of KL(softmax(t/T) || softmax(s/T)) * T^2, with an
    explicit loop over every pixel in float64 numpy."""
    s = s.detach().double().numpy() / tau
    t = t.detach().double().numpy() / tau
    n, c, h, w = s.shape
    total = 0.0
    for i in range(n):
        for y in range(h):
            for x in range(w):
                a, b = s[i, :, y, x], t[i, :, y, x]
                log_p_s = a - a.max() - np.log(np.exp(a - a.max()).sum())
                log_p_t = b - b.max() - np.log(np.exp(b - b.max()).sum())
                total += sum(
                    np.exp(log_p_t[k]) * (log_p_t[k] - log_p_s[k])
                    for k in range(c))
    return tau**2 * total / (n * h * w)


def reference_pixel_kd_torch(s, t, tau):
    """The same formula as cross-entropy minus entropy (another
    decomposition), differentiable, for the gradient check."""
    p_t = torch.softmax(t.double() / tau, dim=1)
    log_p_s = s.double() / tau - torch.logsumexp(s.double() / tau, 1, True)
    cross_entropy = -(p_t * log_p_s).sum(1)
    entropy = -(p_t * torch.log(p_t)).sum(1)
    return tau**2 * (cross_entropy - entropy).mean()


@pytest.mark.parametrize('tau', [1.0, 3.0])
def test_matches_formula_and_gradients(tau):
    g = torch.Generator().manual_seed(0)
    s = torch.randn(2, 5, 3, 4, generator=g, requires_grad=True)
    t = torch.randn(2, 5, 3, 4, generator=g, requires_grad=True)
    loss = PixelWiseKDLoss(tau=tau, loss_weight=2.0)(s, t)
    assert loss.dim() == 0
    assert loss.item() == pytest.approx(
        2.0 * reference_pixel_kd(s, t, tau), rel=1e-5)
    loss.backward()
    s_ref = s.detach().double().requires_grad_(True)
    (2.0 * reference_pixel_kd_torch(s_ref, t.detach(), tau)).backward()
    assert_close(s.grad, s_ref.grad, name='student')
    assert t.grad is None  # the teacher is detached


def test_zero_for_equal_logits_and_registry_alias():
    x = torch.randn(1, 4, 6, 6)
    # other tests may leave mmdet's or mmseg's default scope behind
    with DefaultScope.overwrite_default_scope('mmkd'):
        loss = MODELS.build(dict(type='pixel_kd', tau=2.0))
    assert isinstance(loss, PixelWiseKDLoss)
    assert loss(x, x).item() == pytest.approx(0.0, abs=1e-6)
    assert MODELS.get('PixelWiseKDLoss') is PixelWiseKDLoss


def test_different_sizes_error_names_both_shapes():
    s, t = torch.randn(2, 4, 8, 8), torch.randn(2, 4, 16, 16)
    with pytest.raises(
            ValueError,
            match=r'PixelWiseKDLoss: student logits \(2, 4, 8, 8\) and '
            r'teacher logits \(2, 4, 16, 16\) differ; set resize=True'):
        PixelWiseKDLoss()(s, t)


def test_different_class_counts_error_even_with_resize():
    s, t = torch.randn(2, 4, 8, 8), torch.randn(2, 19, 8, 8)
    with pytest.raises(
            ValueError,
            match=r'student logits \(2, 4, 8, 8\) and teacher logits '
            r'\(2, 19, 8, 8\) differ; the batch sizes and class counts must '
            r'match'):
        PixelWiseKDLoss(resize=True)(s, t)


def test_not_4d_is_refused():
    with pytest.raises(
            ValueError, match=r'PixelWiseKDLoss: expects \(N, C, H, W\)'):
        PixelWiseKDLoss()(torch.randn(2, 4), torch.randn(2, 4))


def test_resize_is_bilinear_to_the_teacher_size():
    g = torch.Generator().manual_seed(1)
    s = torch.randn(2, 3, 4, 4, generator=g, requires_grad=True)
    t = torch.randn(2, 3, 8, 8, generator=g)
    loss = PixelWiseKDLoss(resize=True)(s, t)
    up = torch.nn.functional.interpolate(
        s.detach(), size=(8, 8), mode='bilinear', align_corners=False)
    assert loss.item() == pytest.approx(
        reference_pixel_kd(up, t, 1.0), rel=1e-5)
    loss.backward()
    assert s.grad.abs().sum() > 0


def reference_cwd_seg(s, t, tau):
    """CWD on (N, C, H, W) logits: per (sample, class) map, the KL of the
    spatial softmaxes, vectorised float64 numpy on flattened maps."""
    s = s.detach().double().numpy().reshape(*s.shape[:2], -1) / tau
    t = t.detach().double().numpy().reshape(*t.shape[:2], -1) / tau
    p_t = np.exp(t - t.max(-1, keepdims=True))
    p_t /= p_t.sum(-1, keepdims=True)
    log_p_s = s - s.max(-1, keepdims=True)
    log_p_s -= np.log(np.exp(log_p_s).sum(-1, keepdims=True))
    kl = (p_t * (np.log(p_t) - log_p_s)).sum(-1)  # (N, C)
    return tau**2 * kl.mean()


def test_cwd_on_segmentation_logits():
    g = torch.Generator().manual_seed(2)
    s = torch.randn(2, 19, 8, 16, generator=g, requires_grad=True)
    t = torch.randn(2, 19, 8, 16, generator=g)
    loss = ChannelWiseDivergence(tau=1.0, loss_weight=3.0)(s, t)
    assert loss.item() == pytest.approx(
        3.0 * reference_cwd_seg(s, t, 1.0), rel=1e-5)
    loss.backward()
    assert s.grad.abs().sum() > 0


def test_cwd_size_mismatch_error_and_resize_connector():
    s, t = torch.randn(2, 19, 8, 16), torch.randn(2, 19, 16, 32)
    with pytest.raises(
            ValueError,
            match=r'ChannelWiseDivergence: student shape \(2, 19, 8, 16\) '
            r'and teacher shape \(2, 19, 16, 32\) differ'):
        ChannelWiseDivergence()(s, t)
    resized = ResizeConnector()(s, t)
    assert resized.shape == t.shape
    assert ChannelWiseDivergence()(resized, t).item() == pytest.approx(
        reference_cwd_seg(resized, t, 1.0), rel=1e-5)
