import math
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from numeric import assert_close

from mmkd.models.losses import CRDLoss
from mmkd.registry import MODELS


def unit_rows(x):
    return x / x.norm(dim=1, keepdim=True)


def reference_crd(fs, ft, loss_fn, idx, neg, z=None):
    """CRD by the paper's equations, one anchor and one candidate at a time
    (double precision). ``z`` = (Z_student_anchor, Z_teacher_anchor), or
    None to estimate both from these scores."""
    heads = []
    for feat, head in ((fs, loss_fn.embed_student), (ft,
                                                     loss_fn.embed_teacher)):
        w, b = head.weight.double(), head.bias.double()
        emb = feat.double() @ w.t() + b
        heads.append(emb / torch.sqrt((emb**2).sum(1, keepdim=True)))
    banks = (loss_fn.teacher_memory.double(), loss_fn.student_memory.double())
    n_data, tau = loss_fn.n_data, loss_fn.tau
    k = neg.shape[1]
    total = 0
    for side, (anchors, bank) in enumerate(zip(heads, banks)):
        scores = []
        for i in range(anchors.shape[0]):
            rows = [int(idx[i])] + [int(r) for r in neg[i]]
            scores.append([
                torch.exp(torch.dot(bank[r], anchors[i]) / tau) for r in rows
            ])
        if z is None:
            flat = [s.item() for row in scores for s in row]
            z_side = sum(flat) / len(flat) * n_data
        else:
            z_side = z[side]
        side_loss = 0
        for row in scores:
            probs = [s / z_side for s in row]
            side_loss = side_loss - torch.log(probs[0] /
                                              (probs[0] + k / n_data + 1e-7))
            for p in probs[1:]:
                side_loss = side_loss - torch.log(
                    (k / n_data) / (p + k / n_data + 1e-7))
        total = total + side_loss / anchors.shape[0]
    return total


def make_loss(**kwargs):
    torch.manual_seed(0)
    cfg = dict(in_channels=6, out_channels=5, n_data=10, feat_dim=4, nce_k=3)
    cfg.update(kwargs)
    loss_fn = CRDLoss(**cfg)
    with torch.no_grad():  # banks as they are after a few updates
        loss_fn.student_memory.copy_(unit_rows(torch.randn(10, 4)))
        loss_fn.teacher_memory.copy_(unit_rows(torch.randn(10, 4)))
    return loss_fn


def test_registered_with_alias_and_state_in_buffers():
    loss_fn = MODELS.build(
        dict(type='crd', in_channels=8, out_channels=16, n_data=20, nce_k=5))
    assert type(loss_fn) is CRDLoss
    assert MODELS.get('CRDLoss') is CRDLoss
    state = loss_fn.state_dict()
    assert state['student_memory'].shape == (20, 128)
    assert state['teacher_memory'].shape == (20, 128)
    assert state['normalizer'].tolist() == [-1.0, -1.0]
    # uniform in [-s, s], s = 1 / sqrt(feat_dim / 3), as the authors' code
    bound = 1 / math.sqrt(128 / 3)
    assert state['student_memory'].abs().max() <= bound
    assert state['student_memory'].abs().max() > 0.9 * bound
    learnable = {name for name, _ in loss_fn.named_parameters()}
    assert learnable == {
        'embed_student.weight', 'embed_student.bias', 'embed_teacher.weight',
        'embed_teacher.bias'
    }


def test_matches_reference_with_gradients_and_estimates_z_once():
    loss_fn = make_loss(loss_weight=0.8)
    fs = torch.randn(4, 6, requires_grad=True)
    ft = torch.randn(4, 5, requires_grad=True)
    idx = torch.tensor([7, 2, 9, 0])
    neg = torch.tensor([[1, 7, 3], [4, 4, 8], [0, 9, 5], [6, 2, 0]])
    expected = 0.8 * reference_crd(fs, ft, loss_fn, idx, neg)
    params = list(loss_fn.parameters())
    exp_grads = torch.autograd.grad(expected, [fs] + params)

    loss = loss_fn(fs, ft, indices=[int(i) for i in idx], negative_indices=neg)
    assert loss.dim() == 0
    assert_close(loss, expected, rtol=1e-5, name='loss')
    grads = torch.autograd.grad(loss, [fs] + params)
    names = ['student'] + [name for name, _ in loss_fn.named_parameters()]
    for name, got, want in zip(names, grads, exp_grads):
        assert_close(got, want, name=name)
    assert all(g.abs().sum() > 0 for g in grads)
    # the teacher feature gets no gradient, its head does
    assert ft.grad is None
    z = loss_fn.normalizer.clone()
    assert (z > 0).all()

    # the next batch keeps the stored Z (and sees the updated banks)
    fs2, ft2 = torch.randn(2, 6), torch.randn(2, 5)
    neg2 = torch.tensor([[3, 3, 1], [8, 0, 2]])
    expected2 = reference_crd(fs2, ft2, loss_fn, [5, 1], neg2, z.tolist())
    loss2 = loss_fn(fs2, ft2, torch.tensor([5, 1]), neg2) / 0.8
    assert_close(loss2, expected2, rtol=1e-5, name='second loss')
    assert torch.equal(loss_fn.normalizer, z)


def test_momentum_update_of_both_banks():
    loss_fn = make_loss()
    old_s = loss_fn.student_memory.numpy().copy()
    old_t = loss_fn.teacher_memory.numpy().copy()
    fs, ft = torch.randn(3, 6), torch.randn(3, 5)
    idx = [4, 0, 8]
    loss_fn(fs, ft, idx, torch.zeros(3, 3, dtype=torch.long))
    with torch.no_grad():
        emb_s = unit_rows(loss_fn.embed_student(fs)).numpy()
        emb_t = unit_rows(loss_fn.embed_teacher(ft)).numpy()
    for bank, old, emb in ((loss_fn.student_memory, old_s, emb_s),
                           (loss_fn.teacher_memory, old_t, emb_t)):
        new = bank.numpy()
        for row in range(10):
            if row in idx:
                mixed = 0.5 * old[row] + 0.5 * emb[idx.index(row)]
                want = mixed / np.sqrt((mixed**2).sum())
                assert_close(new[row], want, rtol=1e-5, name=f'row {row}')
            else:  # untouched
                np.testing.assert_array_equal(new[row], old[row])


def test_state_dict_round_trip_keeps_banks_and_z():
    loss_fn = make_loss()
    loss_fn(torch.randn(2, 6), torch.randn(2, 5), [1, 2])
    restored = CRDLoss(
        in_channels=6, out_channels=5, n_data=10, feat_dim=4, nce_k=3)
    assert not torch.equal(restored.student_memory, loss_fn.student_memory)
    restored.load_state_dict(loss_fn.state_dict())
    for key, value in loss_fn.state_dict().items():
        assert torch.equal(restored.state_dict()[key], value), key
    z = restored.normalizer.clone()
    restored(torch.randn(2, 6), torch.randn(2, 5), [3, 4])
    assert torch.equal(restored.normalizer, z)  # not re-estimated


def test_negative_sampling_is_uniform_seedable_and_can_skip_positive():
    torch.manual_seed(1)
    loss_fn = CRDLoss(
        in_channels=2, out_channels=2, n_data=4, feat_dim=2, nce_k=4000)
    torch.manual_seed(1)
    twin = CRDLoss(
        in_channels=2, out_channels=2, n_data=4, feat_dim=2, nce_k=4000)
    idx = torch.tensor([0, 3])
    first = loss_fn.sample_negatives(idx)
    assert torch.equal(first, twin.sample_negatives(idx))
    assert not torch.equal(first, loss_fn.sample_negatives(idx))
    assert first.shape == (2, 4000) and first.dtype == torch.long
    counts = torch.bincount(first.flatten(), minlength=4)
    assert counts.min() > 1700  # all four rows, the positives included

    loss_fn.exclude_positive = True
    draws = loss_fn.sample_negatives(idx)
    for i, pos in enumerate(idx.tolist()):
        counts = torch.bincount(draws[i], minlength=4)
        assert counts[pos] == 0
        others = [r for r in range(4) if r != pos]
        assert counts[others].min() > 1100


@pytest.mark.parametrize('kwargs, match', [
    (dict(indices=[1, 10]), r'indices must lie in \[0, n_data=10\).*set '
     'n_data to the size of the training set'),
    (dict(indices=[-1, 0]), 'indices must lie in'),
    (dict(indices=None), 'CRDLoss: needs indices'),
    (dict(indices=[1, 2, 3]), 'indices has 3 values for a batch of 2'),
    (dict(indices=[1, 2], negative_indices=torch.zeros(
        3, 3).long()), r'negative_indices must be \(N=2, K\)'),
    (dict(indices=[1, 2], negative_indices=torch.full(
        (2, 3), 10)), 'negative_indices must lie in'),
])
def test_bad_indices(kwargs, match):
    loss_fn = make_loss()
    with pytest.raises(ValueError, match=match):
        loss_fn(torch.randn(2, 6), torch.randn(2, 5), **kwargs)


def test_bad_shapes_and_arguments():
    loss_fn = make_loss()
    with pytest.raises(
            ValueError,
            match=r'student features of size 6 '
            r'\(in_channels\) but got shape \(2, 7\)'):
        loss_fn(torch.randn(2, 7), torch.randn(2, 5), [0, 1])
    with pytest.raises(
            ValueError, match=r'teacher features of size 5 '
            r'\(out_channels\)'):
        loss_fn(torch.randn(2, 6), torch.randn(2, 6), [0, 1])
    with pytest.raises(ValueError, match='expects .* student features'):
        loss_fn(torch.randn(6), torch.randn(2, 5), [0, 1])
    with pytest.raises(ValueError, match='differ in size'):
        loss_fn(torch.randn(2, 6), torch.randn(3, 5), [0, 1])
    with pytest.raises(ValueError, match='n_data must be a positive int'):
        CRDLoss(in_channels=2, out_channels=2, n_data=0)
    # pooled maps (N, C, 1, 1) are flattened
    assert torch.isfinite(
        loss_fn(torch.randn(2, 6, 1, 1), torch.randn(2, 5, 1, 1), [0, 1]))


def _ddp_worker(rank, port, result):
    import torch.distributed as dist
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=2)
    loss_fn = make_loss()
    # rank 1 has a smaller (last) batch
    fs, ft = torch.randn(5, 6), torch.randn(5, 5)
    cut = [slice(0, 3), slice(3, 5)][rank]
    idx = torch.tensor([4, 0, 8, 1, 6])[cut]
    loss_fn(fs[cut], ft[cut], idx)
    result[rank] = torch.cat([loss_fn.student_memory,
                              loss_fn.teacher_memory]).clone()
    dist.destroy_process_group()


def test_distributed_ranks_apply_the_same_update():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    manager = mp.Manager()
    result = manager.dict()
    mp.spawn(_ddp_worker, args=(port, result), nprocs=2)
    # the whole batch of both ranks, in one process
    single = make_loss()  # same seed, heads and draws as the workers
    fs, ft = torch.randn(5, 6), torch.randn(5, 5)
    single(fs, ft, [4, 0, 8, 1, 6])
    expected = torch.cat([single.student_memory, single.teacher_memory])
    assert torch.equal(result[0], result[1])
    assert_close(result[0], expected, rtol=1e-5, name='banks')


def test_scores_by_matrix_product_and_by_gather_agree():
    from mmkd.models.losses.crd import CRDLoss
    torch.manual_seed(0)
    anchor = torch.randn(3, 5, requires_grad=True)
    rows = torch.randint(0, 20, (3, 7))
    grads = []
    for n_data in (20, 400):  # <= 4 * 7 rows: matrix product; else gather
        bank = torch.zeros(n_data, 5)
        bank[:20] = torch.arange(100.).view(20, 5).sin()
        scores = CRDLoss._scores(anchor, bank, rows)
        expected = torch.stack([
            torch.stack([bank[rows[n, k]] @ anchor[n] for k in range(7)])
            for n in range(3)
        ])
        torch.testing.assert_close(scores, expected)
        grads.append(torch.autograd.grad(scores.sum(), anchor)[0])
    torch.testing.assert_close(grads[0], grads[1])


def test_checkpoint_keys_stay_the_losss_own():
    """The memory banks and the sampling stream live in crd_memory.py (a
    mixin); their buffers are the loss's own, under the keys checkpoints
    written before the split carry."""
    loss = CRDLoss(
        in_channels=4, out_channels=4, n_data=8, feat_dim=4, nce_k=2)
    assert list(loss.state_dict()) == [
        'student_memory', 'teacher_memory', 'normalizer',
        'embed_student.weight', 'embed_student.bias', 'embed_teacher.weight',
        'embed_teacher.bias', 'rng.state'
    ]
