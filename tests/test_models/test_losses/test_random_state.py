"""Losses and connectors with random draws resume exactly: the state of
their draws is in their state dict (issue 12, point 3)."""
import copy
import io

import pytest
import torch
from mmengine.runner.checkpoint import load_state_dict

import mmkd.models.losses.utils as loss_utils
from mmkd.models.connectors import MGDConnector
from mmkd.models.losses import CRDLoss
from mmkd.models.losses.utils import RandomStream


def through_file(state_dict):
    """The state dict as a checkpoint file gives it back (weights only)."""
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def draw(stream, n=5):
    return torch.randint(0, 1000, (n, ), generator=stream.generator('cpu'))


def test_stream_round_trip_reproduces_the_next_draw():
    stream = RandomStream()
    draw(stream)
    saved = through_file(stream.state_dict())
    expected = draw(stream)
    restored = RandomStream()  # another seed
    assert not torch.equal(draw(copy.deepcopy(restored)), expected)
    restored.load_state_dict(saved)
    assert torch.equal(draw(restored), expected)
    assert torch.equal(draw(restored), draw(stream))


def test_streams_built_under_one_seed_draw_alike_and_apart_from_others():
    torch.manual_seed(3)
    first, second = RandomStream(), RandomStream()
    torch.manual_seed(3)
    twin = RandomStream()
    assert torch.equal(draw(first), draw(twin))
    assert not torch.equal(draw(first), draw(second))
    # the global RNG plays no part in the draws
    torch.manual_seed(0)
    a = draw(first)
    torch.manual_seed(0)
    assert not torch.equal(a, draw(first))


def test_ranks_draw_apart_from_one_saved_state(monkeypatch):
    stream = RandomStream()
    on_rank_1 = RandomStream()
    on_rank_1.load_state_dict(stream.state_dict())
    on_rank_0 = draw(stream)
    monkeypatch.setattr(loss_utils, 'get_rank', lambda: 1)
    assert not torch.equal(on_rank_0, draw(on_rank_1))


def test_checkpoint_without_stream_state_still_loads_strictly():
    torch.manual_seed(0)
    loss_fn = make_crd()
    old = {k: v for k, v in loss_fn.state_dict().items() if 'rng' not in k}
    fresh = make_crd()
    fresh.load_state_dict(old)  # strict: the stream keeps its own seed
    load_state_dict(fresh, old, strict=True)


def make_crd():
    return CRDLoss(
        in_channels=6, out_channels=5, n_data=20, feat_dim=4, nce_k=7)


def crd_step(loss_fn, step):
    gen = torch.Generator().manual_seed(100 + step)
    fs, ft = torch.randn(3, 6, generator=gen), torch.randn(3, 5, generator=gen)
    return loss_fn(fs, ft, [step, step + 5, step + 10])


@pytest.mark.parametrize('loader', ['torch', 'mmengine'])
def test_crd_resumes_to_the_same_bits(loader):
    torch.manual_seed(0)
    uninterrupted = make_crd()
    losses = [crd_step(uninterrupted, step) for step in range(3)]

    torch.manual_seed(0)
    killed = make_crd()
    crd_step(killed, 0)
    checkpoint = through_file(killed.state_dict())
    torch.manual_seed(1)  # the resumed process is seeded differently
    resumed = make_crd()
    if loader == 'torch':
        resumed.load_state_dict(checkpoint)
    else:
        load_state_dict(resumed, checkpoint, strict=True)
    torch.manual_seed(2)  # and uses the global RNG differently
    resumed_losses = [crd_step(resumed, step) for step in (1, 2)]
    for got, expected in zip(resumed_losses, losses[1:]):
        assert torch.equal(got, expected)
    for key, value in uninterrupted.state_dict().items():
        assert torch.equal(resumed.state_dict()[key], value), key


def test_crd_instances_built_under_one_seed_draw_the_same_negatives():
    idx = torch.tensor([0, 3])
    torch.manual_seed(5)
    a = make_crd()
    torch.manual_seed(5)
    b = make_crd()
    assert torch.equal(a.sample_negatives(idx), b.sample_negatives(idx))


def test_mgd_connector_resumes_its_masks():
    x = torch.randn(2, 2, 6, 6)
    torch.manual_seed(0)
    conn = MGDConnector(2, 3, lambda_mgd=0.5)
    torch.manual_seed(0)
    twin = MGDConnector(2, 3, lambda_mgd=0.5)
    assert torch.equal(conn(x), twin(x))  # same weights, same mask
    checkpoint = through_file(conn.state_dict())
    expected = [conn.random_mask(x) for _ in range(2)]
    torch.manual_seed(1)
    resumed = MGDConnector(2, 3, lambda_mgd=0.5)
    resumed.load_state_dict(checkpoint)
    for mask in expected:
        assert torch.equal(resumed.random_mask(x), mask)
