"""BYOTAuxHead, MMRazor's BYOT head (BYOTConnector, expansion 1) as a
SelfDistill head: its layers, sizes and parameter count, and its use in
SelfDistill through ``type``."""
import pytest
import torch
import torch.nn as nn

from mmkd.models.algorithms.self_distill_heads import BYOTAuxHead


def _separable_params(c_in: int, c_out: int) -> int:
    """Parameters of MMRazor's DartsSepConv(c_in, c_out), counted from its
    layers: depthwise 3x3, 1x1, BN (c_in); grouped 3x3 (groups c_in) to
    c_out, 1x1, BN (c_out)."""
    return (c_in * 9 + c_in * c_in + 2 * c_in + c_out * 9 + c_out * c_out +
            2 * c_out)


@pytest.mark.parametrize('in_channels,size', [(64, 32), (128, 16), (256, 8)])
def test_head_has_byot_connectors_layers_and_sizes(in_channels, size):
    head = BYOTAuxHead(in_channels, 512, 100)
    # attention: a stride-2 separable conv and a BN; then one stride-2
    # separable conv per doubling of the channels; then the classifier
    expected = _separable_params(in_channels, in_channels) + 2 * in_channels
    channels = in_channels
    while channels < 512:
        expected += _separable_params(channels, 2 * channels)
        channels *= 2
    expected += 512 * 100 + 100
    assert sum(p.numel() for p in head.parameters()) == expected
    strides = [
        m.stride[0] for m in head.bottleneck.modules()
        if isinstance(m, nn.Conv2d) and m.groups > 1 and m.stride[0] == 2
    ]
    assert len(strides) == {64: 3, 128: 2, 256: 1}[in_channels]
    x = torch.randn(2, in_channels, size, size)
    maps = head.bottleneck(head.attention(x) * x)
    assert maps.shape == (2, 512, 4, 4)  # MMRazor pools 4x4 maps
    feature, logits = head(x)
    assert feature.shape == (2, 512) and logits.shape == (2, 100)
    assert torch.allclose(feature, maps.mean((2, 3)), atol=1e-6)


def test_attention_gates_the_stage():
    torch.manual_seed(0)
    head = BYOTAuxHead(8, 16, 4).eval()
    x = torch.randn(2, 8, 8, 8)
    gate = head.attention(x)
    assert gate.shape == x.shape
    assert ((gate > 0) & (gate < 1)).all()
    expected = head.fc(head.pool(head.bottleneck(gate * x)).flatten(1))
    assert torch.equal(head(x)[1], expected)


@pytest.mark.parametrize('out_channels', [48, 32, 4])
def test_out_channels_must_be_a_power_of_two_times_in(out_channels):
    with pytest.raises(ValueError, match='power of two'):
        BYOTAuxHead(16 if out_channels != 32 else 12, out_channels, 10)


def test_self_distill_builds_a_typed_head_next_to_the_default_one():
    from beyond_utils import simple_cnn

    from mmkd.models.algorithms.self_distill_heads import SelfDistillAuxHead
    from mmkd.registry import MODELS
    from mmkd.structures import ClsDataSample
    torch.manual_seed(0)
    algo = MODELS.build(
        dict(
            type='SelfDistill',
            architecture=simple_cnn(8, 4),
            aux_heads=[
                dict(source='layer1', in_channels=8, type='BYOTAuxHead'),
                dict(source='layer3', in_channels=8, num_downsample=1)
            ]))
    assert type(algo.aux_heads['layer1']) is BYOTAuxHead
    assert type(algo.aux_heads['layer3']) is SelfDistillAuxHead
    # out_channels and num_classes come from the network's classifier
    assert algo.aux_heads['layer1'].fc.out_features == 10
    losses = algo.loss(
        torch.randn(4, 1, 8, 8),
        [ClsDataSample().set_gt_label(i) for i in range(4)])
    assert torch.isfinite(losses['distill.layer1.loss_feature'])
    algo.teardown()
