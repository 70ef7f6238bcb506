import numpy as np
import pytest
import torch
from numeric import Check, assert_checks
from reference_ops import batch_norm, conv1x1, leaf_params

from mmkd.models.losses import FBKDLoss
from mmkd.models.losses.fbkd import NonLocalBlock
from mmkd.registry import MODELS


def block_max(x, k):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // k, k, w // k, k).amax(dim=(3, 5))


def reference_nonlocal(x, p, pre, stride):
    """Non-local block with an explicit loop over query positions."""
    n, _, h, w = x.shape
    q = conv1x1(x, p[pre + 'theta.weight'], p[pre + 'theta.bias'])
    k = block_max(
        conv1x1(x, p[pre + 'phi.weight'], p[pre + 'phi.bias']),
        stride).flatten(2)
    v = block_max(conv1x1(x, p[pre + 'g.weight'], p[pre + 'g.bias']),
                  stride).flatten(2)
    m = k.shape[2]
    rows = []
    for i in range(h):
        for j in range(w):
            weights = torch.einsum('nc,ncm->nm', q[:, :, i, j], k) / m
            rows.append(torch.einsum('nm,ncm->nc', weights, v))
    y = torch.stack(rows, dim=2).reshape(n, -1, h, w)
    out = batch_norm(
        conv1x1(y, p[pre + 'out.0.weight']), p[pre + 'out.1.weight'],
        p[pre + 'out.1.bias'])
    return x + out


def np_softmax(a):
    e = np.exp(a - a.max())
    return e / e.sum()


def reference_masks(s, t, T):
    """Spatial and channel masks per sample, with numpy."""
    n, c, h, w = s.shape
    spatial = np.zeros((n, 1, h, w))
    channel = np.zeros((n, c, 1, 1))
    for x in (s.detach().numpy(), t.detach().numpy()):
        for i in range(n):
            spatial[i, 0] += h * w * np_softmax(
                np.abs(x[i]).mean(0).ravel() / T).reshape(h, w) / 2
            channel[i, :, 0,
                    0] += c * np_softmax(np.abs(x[i]).mean((1, 2)) / T) / 2
    return torch.from_numpy(spatial), torch.from_numpy(channel)


def reference_fbkd(s, t, p, T, stride, weights, channel_mask=True):
    a, b, c = weights
    spatial, channel = reference_masks(s, t, T)
    mask = spatial * channel if channel_mask else spatial
    adapted = conv1x1(s, p['feat_adapt.weight'], p['feat_adapt.bias'])
    feat = torch.sqrt(((t - adapted)**2 * mask).sum())
    s_ch = s.mean(dim=(2, 3)) @ p['channel_adapt.weight'].T + \
        p['channel_adapt.bias']
    channel_loss = torch.sqrt(((t.mean(dim=(2, 3)) - s_ch)**2).sum())
    s_sp = torch.nn.functional.conv2d(
        s.mean(dim=1, keepdim=True),
        p['spatial_adapt.weight'],
        p['spatial_adapt.bias'],
        padding=1)
    spatial_loss = torch.sqrt(((t.mean(dim=1, keepdim=True) - s_sp)**2).sum())
    r_s = conv1x1(
        reference_nonlocal(s, p, 'student_nonlocal.', stride),
        p['nonlocal_adapt.weight'], p['nonlocal_adapt.bias'])
    r_t = reference_nonlocal(t, p, 'teacher_nonlocal.', stride)
    nonlocal_loss = torch.sqrt(((r_t - r_s)**2).sum())
    return a * feat + b * (channel_loss + spatial_loss) + c * nonlocal_loss


def fbkd_checks(channel_mask):
    """The loss and the gradients of the student input and of every learned
    part, each with its float64 reference."""
    torch.manual_seed(0)
    weights = (0.3, 0.2, 0.5)
    loss_fn = FBKDLoss(
        in_channels=6,
        inter_channels=3,
        downsample_stride=2,
        tau=0.7,
        feat_weight=weights[0],
        attention_weight=weights[1],
        nonlocal_weight=weights[2],
        use_channel_mask=channel_mask,
        loss_weight=1.5)
    # leave the identity start of the non-local blocks so that every
    # parameter gets a gradient
    with torch.no_grad():
        for block in (loss_fn.student_nonlocal, loss_fn.teacher_nonlocal):
            block.out[1].weight.uniform_(0.5, 1.5)
            block.out[1].bias.uniform_(-0.5, 0.5)
    s = torch.randn(2, 6, 4, 4, requires_grad=True)
    t = torch.randn(2, 6, 4, 4, requires_grad=True)
    loss = loss_fn(s, t)
    loss.backward()

    params = leaf_params(loss_fn)
    s_ref = s.detach().double().requires_grad_()
    expected = 1.5 * reference_fbkd(s_ref,
                                    t.detach().double(), params, 0.7, 2,
                                    weights, channel_mask)
    expected.backward()

    assert t.grad is None
    assert s.grad.abs().sum() > 0
    checks = [
        Check('loss', loss, expected, rtol=1e-5),
        Check('student', s.grad, s_ref.grad)
    ]
    groups = set()
    for name, p in loss_fn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
        checks.append(Check(name, p.grad, params[name].grad))
        groups.add(name.split('.')[0])
    assert groups == {
        'feat_adapt', 'channel_adapt', 'spatial_adapt', 'student_nonlocal',
        'teacher_nonlocal', 'nonlocal_adapt'
    }
    return checks


@pytest.mark.parametrize('channel_mask', [True, False])
def test_matches_reference_with_grads_to_all_learned_parts(channel_mask):
    assert_checks(fbkd_checks(channel_mask))


def test_nonlocal_block_starts_as_identity_and_handles_small_maps():
    block = NonLocalBlock(4, downsample_stride=8)
    x = torch.randn(2, 4, 3, 5)  # smaller than the stride: one key
    torch.testing.assert_close(block(x), x)


def test_alias_defaults_and_bad_inputs():
    loss_fn = MODELS.build(dict(type='fbkd', in_channels=4))
    assert isinstance(loss_fn, FBKDLoss)
    assert (loss_fn.tau, loss_fn.feat_weight, loss_fn.attention_weight,
            loss_fn.nonlocal_weight) == (0.5, 7e-5, 4e-3, 7e-5)
    s = torch.randn(2, 4, 4, 4)
    with pytest.raises(
            ValueError,
            match=r'FBKDLoss: student shape '
            r'\(2, 4, 4, 4\) and teacher shape \(2, 8, 4, 4\)'):
        loss_fn(s, torch.randn(2, 8, 4, 4))
    with pytest.raises(
            ValueError,
            match=r'FBKDLoss: configured for '
            r'in_channels=4.*\(2, 3, 4, 4\)'):
        loss_fn(torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match='FBKDLoss: expects 4-D'):
        loss_fn(torch.randn(2, 4), torch.randn(2, 4))
    with pytest.raises(
            TypeError, match='FBKDLoss: the student input must be'
            ' a tensor'):
        loss_fn([s, s], [s, s])
    with pytest.raises(ValueError, match='FBKDLoss: temperature must be'):
        FBKDLoss(4, temperature=0)
    with pytest.raises(ValueError, match='FBKDLoss: tau must be a number > 0'):
        FBKDLoss(4, tau=0)
    assert FBKDLoss(4, temperature=0.7).tau == 0.7  # the older spelling
