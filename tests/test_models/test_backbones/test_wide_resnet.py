import pytest
import torch

from mmkd.models.backbones import WideResNetBackbone
from mmkd.models.recorders import ModuleOutputs


def mmrazor_keys(depth: int, widen_factor: int) -> set:
    """The parameter and buffer names of MMRazor 1.0's WideResNet
    (mmrazor/models/architectures/backbones/wideresnet.py), written out:
    stem conv1; per block bn1, conv1, bn2, conv2 and a 1x1 downsample
    where the stride or the width changes; a final bn1."""
    bn = ('weight', 'bias', 'running_mean', 'running_var',
          'num_batches_tracked')
    keys = {'conv1.weight'} | {f'bn1.{k}' for k in bn}
    blocks = (depth - 4) // 6
    widths = [16] + [16 * widen_factor * 2**i for i in range(3)]
    for stage in range(3):
        for j in range(blocks):
            p = f'layer{stage + 1}.{j}.'
            keys |= {f'{p}bn1.{k}' for k in bn} | {f'{p}bn2.{k}' for k in bn}
            keys |= {f'{p}conv1.weight', f'{p}conv2.weight'}
            if j == 0 and (stage > 0 or widths[0] != widths[1]):
                keys.add(f'{p}downsample.weight')
    return keys


@pytest.mark.parametrize('depth,widen_factor', [(16, 2), (28, 4), (10, 1)])
def test_names_and_shapes_are_mmrazors(depth, widen_factor):
    net = WideResNetBackbone(depth, widen_factor)
    assert set(net.state_dict()) == mmrazor_keys(depth, widen_factor)
    out = net(torch.randn(2, 3, 32, 32))
    assert isinstance(out, tuple) and len(out) == 1
    assert out[0].shape == (2, 64 * widen_factor, 8, 8)
    assert net.out_channels == 64 * widen_factor


def test_recorded_bn_output_stays_pre_relu():
    """No in-place ReLU overwrites a recorded BN output (OFD distills the
    pre-ReLU maps)."""
    torch.manual_seed(0)
    net = WideResNetBackbone(10, 1)
    for bn in (net.bn1, net.layer2[0].bn1):
        bn.bias.data.fill_(-0.5)
    for name in ('bn1', 'layer2.0.bn1'):
        rec = ModuleOutputs(name)
        rec.initialize(net)
        rec.recording = True
        net(torch.randn(2, 3, 32, 32))
        assert bool((rec.get_record_data() < 0).any()), name
        rec.teardown()


def test_bad_arguments():
    with pytest.raises(ValueError, match='depth must be one of'):
        WideResNetBackbone(18)
    with pytest.raises(ValueError, match='widen_factor must be an int'):
        WideResNetBackbone(16, 1.5)
