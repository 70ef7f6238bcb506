import pytest
import torch
from numeric import Check, assert_checks
from reference_ops import batch_norm, conv1x1, leaf_params

from mmkd.models.losses import ReviewKDLoss
from mmkd.registry import MODELS


def conv3x3(x, weight):
    """3x3 convolution, padding 1, as a sum of nine shifted 1x1 products."""
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    h, w = x.shape[2:]
    out = 0
    for dy in range(3):
        for dx in range(3):
            patch = padded[:, :, dy:dy + h, dx:dx + w]
            out = out + torch.einsum('nchw,oc->nohw', patch, weight[:, :, dy,
                                                                    dx])
    return out


def upsample(x, size):
    """Nearest upsampling by integer factors."""
    fy, fx = size[0] // x.shape[2], size[1] // x.shape[3]
    return x.repeat_interleave(fy, dim=2).repeat_interleave(fx, dim=3)


def block_mean(x, k):
    n, c, h, w = x.shape
    return x.reshape(n, c, k, h // k, k, w // k).mean(dim=(3, 5))


def reference_reviewkd(students, teachers, p, pool_sizes=(4, 2, 1)):
    """ABF from deep to shallow, then the HCL pyramid, written out."""
    teachers = [t[:, :, None, None] if t.dim() == 2 else t for t in teachers]
    outputs = {}
    residual = None
    for i in reversed(range(len(students))):
        x = students[i]
        if x.dim() == 2:
            x = x[:, :, None, None]
        pre = f'fusions.{i}.'
        x = batch_norm(
            conv1x1(x, p[pre + 'reduce.0.weight']), p[pre + 'reduce.1.weight'],
            p[pre + 'reduce.1.bias'])
        if residual is not None:
            r = upsample(residual, x.shape[2:])
            att = torch.sigmoid(
                conv1x1(
                    torch.cat([x, r], 1), p[pre + 'attention.0.weight'],
                    p[pre + 'attention.0.bias']))
            x = x * att[:, 0:1] + r * att[:, 1:2]
        t = teachers[i]
        if x.shape[2:] != t.shape[2:]:
            x = upsample(x, t.shape[2:])
        residual = x
        outputs[i] = batch_norm(
            conv3x3(x, p[pre + 'project.0.weight']),
            p[pre + 'project.1.weight'], p[pre + 'project.1.bias'])
    total = 0
    for i, t in enumerate(teachers):
        o = outputs[i]
        terms = [((o - t)**2).sum() / o.numel()]
        weights = [1.0]
        for k in pool_sizes:
            if k < o.shape[2]:
                terms.append(((block_mean(o, k) - block_mean(t, k))**2).sum() /
                             (o.shape[0] * o.shape[1] * k * k))
                weights.append(weights[-1] / 2)
        total = total + sum(w * x for w, x in zip(weights, terms)) / \
            sum(weights)
    return total


def reviewkd_checks():
    """The loss and the gradients of the student stages and of the fusion
    modules, each with its float64 reference."""
    torch.manual_seed(0)
    loss_fn = ReviewKDLoss([4, 6, 8], [5, 7, 9], loss_weight=2.0)
    # an embedding (N, C) as the deepest stage; the shallowest teacher map
    # is larger than the student's (the ABF output is upsampled)
    students = [
        torch.randn(3, 4, 8, 8, requires_grad=True),
        torch.randn(3, 6, 4, 4, requires_grad=True),
        torch.randn(3, 8, requires_grad=True)
    ]
    teachers = [
        torch.randn(3, 5, 16, 16, requires_grad=True),
        torch.randn(3, 7, 4, 4, requires_grad=True),
        torch.randn(3, 9, requires_grad=True)
    ]
    loss = loss_fn(students, teachers)
    loss.backward()

    params = leaf_params(loss_fn)
    ref_students = [s.detach().double().requires_grad_() for s in students]
    expected = 2.0 * reference_reviewkd(
        ref_students, [t.detach().double() for t in teachers], params)
    expected.backward()

    checks = [Check('loss', loss, expected, rtol=1e-5)]
    for i, (s, r) in enumerate(zip(students, ref_students)):
        assert s.grad.abs().sum() > 0
        checks.append(Check(f'student.{i}', s.grad, r.grad))
    assert all(t.grad is None for t in teachers)
    for name, p in loss_fn.named_parameters():
        assert p.grad is not None, name
        checks.append(Check(name, p.grad, params[name].grad))
    # the deepest stage has nothing to fuse
    assert loss_fn.fusions[2].attention is None
    assert loss_fn.fusions[0].attention is not None
    return checks


def test_matches_reference_with_grads_to_inputs_and_fusion():
    assert_checks(reviewkd_checks())


def test_hcl_pyramid_weights():
    """An 8x8 map: full + 4x4 + 2x2 + 1x1 with weights 1, 1/2, 1/4, 1/8."""
    from mmkd.models.losses.reviewkd import hierarchical_context_loss
    s = torch.zeros(1, 1, 8, 8)
    t = torch.ones(1, 1, 8, 8)
    t[..., :4, :] = -1  # mean 0 over the 1x1 level, +-1 at 2x2 and 4x4
    expected = (1 * 1 + 0.5 * 1 + 0.25 * 1 + 0.125 * 0) / 1.875
    assert hierarchical_context_loss(s, t, (4, 2, 1)).item() == \
        pytest.approx(expected)


def test_alias_and_default_mid_channels():
    loss = MODELS.build(
        dict(type='reviewkd', in_channels=[16, 600], out_channels=[16, 600]))
    assert isinstance(loss, ReviewKDLoss)
    # min(512, deepest student channels) as in the official code
    assert loss.fusions[0].reduce[0].out_channels == 512


def test_bad_inputs():
    loss_fn = ReviewKDLoss([4, 8], [4, 8])
    s = [torch.randn(2, 4, 4, 4), torch.randn(2, 8)]
    t = [torch.randn(2, 4, 4, 4), torch.randn(2, 8)]
    with pytest.raises(
            ValueError, match='ReviewKDLoss: configured for 2 '
            'stages.*got 1'):
        loss_fn(s[:1], t[:1])
    with pytest.raises(
            ValueError, match='student has 2 levels, the teacher'
            ' 1'):
        loss_fn(s, t[:1])
    with pytest.raises(
            ValueError,
            match=r'stage 0.*4 student and 4 teacher'
            r' channels.*\(2, 3, 4, 4\)'):
        loss_fn([torch.randn(2, 4, 4, 4), s[1]],
                [torch.randn(2, 3, 4, 4), t[1]])
    with pytest.raises(ValueError, match=r'stage 1.*\(N, C, H, W\)'):
        loss_fn([s[0], torch.randn(2, 8, 3)], t)
    with pytest.raises(ValueError, match='in_channels.*same length'):
        ReviewKDLoss([4, 8], [4])
