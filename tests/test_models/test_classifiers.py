import math

import pytest
import torch
from mmengine.model import ImgDataPreprocessor

from mmkd.models.classifiers import (CIFARVGG, BaseClassifier, CIFARResNet,
                                     SimpleCNN, WideResNet)
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

# Exact parameter counts with 100 classes. The CRD paper (Tian et al., 2020)
# reports, rounded: resnet8 0.08M, resnet20 0.28M, resnet32 0.47M, resnet44
# 0.67M, resnet56 0.86M, resnet110 1.74M, resnet8x4 1.23M, resnet32x4 7.43M,
# wrn_16_1 0.18M, wrn_16_2 0.70M, wrn_40_1 0.57M, wrn_40_2 2.25M, vgg8 3.96M,
# vgg13 9.46M.
PARAM_COUNTS = {
    'resnet8': 83_892,
    'resnet14': 181_108,
    'resnet20': 278_324,
    'resnet32': 472_756,
    'resnet44': 667_188,
    'resnet56': 861_620,
    'resnet110': 1_736_564,
    'resnet8x4': 1_233_540,
    'resnet32x4': 7_433_860,
    'wrn_16_1': 180_916,
    'wrn_16_2': 703_284,
    'wrn_40_1': 569_780,
    'wrn_40_2': 2_255_156,
    'vgg8': 3_965_028,
    'vgg11': 9_277_284,
    'vgg13': 9_462_180,
    'vgg16': 14_774_436,
    'vgg19': 20_086_692,
}

RESNET = [(16, 32), (32, 16), (64, 8)]
RESNET_X4 = [(64, 32), (128, 16), (256, 8)]
# as RepDistiller's VGG: no pooling before layer5 on 32x32 inputs
VGG = [(64, 32), (128, 16), (256, 8), (512, 4), (512, 4)]
# (channels, height = width) of layer1, layer2, ... for a 32x32 input
STAGE_SHAPES = {
    **{
        f'resnet{d}': RESNET
        for d in (8, 14, 20, 32, 44, 56, 110)
    },
    'resnet8x4': RESNET_X4,
    'resnet32x4': RESNET_X4,
    'wrn_16_1': RESNET,
    'wrn_40_1': RESNET,
    'wrn_16_2': [(32, 32), (64, 16), (128, 8)],
    'wrn_40_2': [(32, 32), (64, 16), (128, 8)],
    **{
        f'vgg{d}': VGG
        for d in (8, 11, 13, 16, 19)
    },
}
FAMILIES = {'resnet': CIFARResNet, 'wrn': WideResNet, 'vgg': CIFARVGG}


@pytest.mark.parametrize('name', sorted(PARAM_COUNTS))
def test_constructor(name):
    model = MODELS.build(dict(type=name, num_classes=100))
    family = next(cls for key, cls in FAMILIES.items() if name.startswith(key))
    assert isinstance(model, family)
    assert sum(p.numel() for p in model.parameters()) == PARAM_COUNTS[name]

    stages = STAGE_SHAPES[name]
    shapes = {}
    for i in range(1, len(stages) + 1):
        model.get_submodule(f'layer{i}').register_forward_hook(
            lambda m, args, out, i=i: shapes.__setitem__(i, out.shape))
    logits = model(torch.randn(2, 3, 32, 32))
    assert isinstance(model.get_submodule('linear'), torch.nn.Linear)
    assert logits.shape == (2, 100)
    for i, (channels, size) in enumerate(stages, start=1):
        assert shapes[i] == (2, channels, size, size), f'layer{i}'

    logits.sum().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing


def test_every_constructor_is_registered_and_tested():
    constructors = {
        name
        for name, obj in MODELS.module_dict.items() if name[0].islower()
        and obj.__module__.startswith('mmkd.models.classifiers')
    }
    assert constructors == set(PARAM_COUNTS)
    for cls in (CIFARResNet, WideResNet, CIFARVGG, SimpleCNN):
        assert MODELS.get(cls.__name__) is cls


def test_loss_and_predict_modes():
    model = MODELS.build(dict(type='resnet8', num_classes=10))
    inputs = torch.randn(2, 3, 32, 32)
    samples = [ClsDataSample().set_gt_label(label) for label in (3, 7)]
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_cls'}
    assert torch.isfinite(losses['loss_cls'])

    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    assert len(preds) == 2
    for sample in preds:
        assert sample.pred_score.shape == (10, )
        assert math.isclose(sample.pred_score.sum().item(), 1.0, rel_tol=1e-5)
        assert sample.pred_label.item() == sample.pred_score.argmax().item()


def test_base_kwargs_pass_through():
    model = MODELS.build(
        dict(
            type='resnet8',
            num_classes=10,
            label_smoothing=0.1,
            data_preprocessor=dict(
                type='ImgDataPreprocessor', mean=[0.5] * 3, std=[0.25] * 3)))
    assert isinstance(model, BaseClassifier)
    assert model.label_smoothing == 0.1
    assert isinstance(model.data_preprocessor, ImgDataPreprocessor)
    assert model.linear.out_features == 10


def test_other_input_sizes_and_channels():
    model = MODELS.build(dict(type='resnet8', num_classes=5, in_channels=1))
    assert model(torch.randn(2, 1, 64, 64)).shape == (2, 5)
    wrn = MODELS.build(dict(type='wrn_16_1', num_classes=5, drop_rate=0.3))
    assert wrn(torch.randn(2, 3, 16, 16)).shape == (2, 5)


def test_unknown_name_raises_key_error():
    with pytest.raises(KeyError, match='resnet21'):
        MODELS.build(dict(type='resnet21'))


@pytest.mark.parametrize('cfg', [
    dict(type='CIFARResNet', depth=21),
    dict(type='WideResNet', depth=18),
    dict(type='CIFARVGG', stages=[[64]] * 4),
])
def test_invalid_architecture_raises(cfg):
    with pytest.raises(ValueError):
        MODELS.build(cfg)


@pytest.mark.parametrize('channels,num_convs,params,pools', [
    (8, 2, 770, ['pool2']),
    (64, 5, 149_322, ['pool2', 'pool4']),
])
def test_simple_cnn(channels, num_convs, params, pools):
    model = MODELS.build(
        dict(type='SimpleCNN', channels=channels, num_convs=num_convs))
    assert isinstance(model, SimpleCNN)
    assert sum(p.numel() for p in model.parameters()) == params
    children = [name for name, _ in model.named_children()]
    layers = [f'layer{i}' for i in range(1, num_convs + 1)]
    assert [c for c in children if c.startswith('layer')] == layers
    assert [c for c in children if c.startswith('pool')] == pools

    logits = model(torch.randn(4, 1, 8, 8))
    assert logits.shape == (4, 10)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())

    samples = [ClsDataSample().set_gt_label(i) for i in range(4)]
    assert torch.isfinite(
        model(torch.randn(4, 1, 8, 8), samples, mode='loss')['loss_cls'])


def test_vgg_pools_before_layer5_only_from_64_px():
    model = MODELS.build(dict(type='vgg8', num_classes=10)).eval()
    sizes = []
    model.layer4.register_forward_hook(
        lambda m, i, o: sizes.append(o.shape[-1]))
    model.layer5.register_forward_hook(
        lambda m, i, o: sizes.append(o.shape[-1]))
    for size in (32, 64):
        assert model(torch.randn(1, 3, size, size)).shape == (1, 10)
    # layer4, layer5 sizes: 4, 4 on 32 px (no pool4); 8, 4 on 64 px
    assert sizes == [4, 4, 8, 4]
