"""NormConnector and ConvNormConnector standardise each channel with the
batch's statistics, in training and in eval: checked against a float64
reference written out here and against the MMCV modules MMYOLO's RTMDet
recipe builds (BN with affine=False, track_running_stats=False, after a
bias-free 1x1 ConvModule)."""
import pytest
import torch
import torch.nn as nn
from numeric import assert_close

from mmkd.models.connectors import ConvNormConnector, NormConnector
from mmkd.registry import MODELS

MMYOLO_NORM = dict(type='BN', affine=False, track_running_stats=False)


def reference_standardize(x: torch.Tensor, eps: float) -> torch.Tensor:
    """Per channel: (x - mean) / sqrt(var + eps) over (N, H, W), biased
    variance, in float64."""
    x = x.double()
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = ((x - mean)**2).mean(dim=(0, 2, 3), keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


@pytest.mark.parametrize('mode', ['train', 'eval'])
def test_norm_connector_matches_the_reference(mode):
    torch.manual_seed(0)
    # channels on different scales and offsets, as neck outputs are
    x = torch.randn(3, 5, 6, 7) * torch.tensor([1., 10., 0.1, 3., 50.]).view(
        1, 5, 1, 1) + 4.
    conn = NormConnector(in_channels=5)
    getattr(conn, mode)()
    out = conn(x)
    assert_close(out, reference_standardize(x, 1e-5), name='NormConnector')
    assert not list(conn.parameters()) and not list(conn.buffers())
    # another eps is used as given
    assert_close(NormConnector(5, eps=0.5)(x), reference_standardize(x, 0.5))


def test_conv_norm_connector_matches_the_reference():
    torch.manual_seed(0)
    conn = MODELS.build(
        dict(type='ConvNormConnector', in_channels=4, out_channels=6))
    x = torch.randn(2, 4, 5, 5) * 3 + 1
    conv = torch.nn.functional.conv2d(x.double(), conn.conv.weight.double())
    for mode in ('train', 'eval'):
        getattr(conn, mode)()
        assert_close(conn(x), reference_standardize(conv, 1e-5), name=mode)
    out = conn(x)
    out.pow(3).sum().backward()
    assert conn.conv.weight.grad is not None
    assert conn.conv.bias is None


def test_same_as_the_mmcv_modules_of_mmyolos_recipe():
    """MMRazor's NormConnector (build_norm_layer(MMYOLO_NORM)) and
    ConvModuleConnector (ConvModule without bias or activation, same
    norm) on the same weights."""
    from mmcv.cnn import ConvModule, build_norm_layer
    torch.manual_seed(0)
    x = torch.randn(2, 4, 5, 5) * 2 - 1
    _, norm = build_norm_layer(MMYOLO_NORM, 4)
    module = ConvModule(
        4, 6, 1, bias=False, norm_cfg=MMYOLO_NORM, act_cfg=None)
    conn = ConvNormConnector(4, 6)
    with torch.no_grad():
        module.conv.weight.copy_(conn.conv.weight)
    for mode in ('train', 'eval'):
        for m in (norm, module, conn):
            getattr(m, mode)()
        assert_close(NormConnector(4)(x), norm(x), name=f'norm {mode}')
        assert_close(conn(x), module(x), name=f'conv+norm {mode}')


def test_conv_starts_as_mmcv_conv_module_starts():
    """Kaiming normal, fan-out, ReLU gain: std sqrt(2 / (out * k * k))."""
    torch.manual_seed(0)
    weight = ConvNormConnector(256, 320).conv.weight
    expected = (2. / 320)**0.5
    assert abs(weight.std().item() / expected - 1) < 0.02
    assert abs(weight.mean().item()) < 0.02 * expected


def test_wrong_channels_are_named():
    with pytest.raises(
            ValueError,
            match=r'NormConnector\(in_channels=4\) '
            r'expects \(N, 4, H, W\).*\(2, 3, 5, 5\)'):
        NormConnector(4)(torch.randn(2, 3, 5, 5))
    with pytest.raises(
            ValueError,
            match=r'ConvNormConnector\(in_channels=4'
            r', out_channels=6\).*\(2, 6, 5, 5\)'):
        ConvNormConnector(4, 6)(torch.randn(2, 6, 5, 5))


def test_half_precision_features_are_accepted():
    conn = ConvNormConnector(4, 6)
    x = torch.randn(2, 4, 5, 5)
    out = conn(x.to(torch.bfloat16))
    assert out.dtype == torch.float32
    assert isinstance(conn.conv, nn.Conv2d)
