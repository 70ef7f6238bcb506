"""tools/misc/mmrazor_ofd.py: MMRazor's OFD form (OverhaulFeatureDistillation,
OFDDistiller, OFDTeacherConnector margins, OFDLoss with mul_factor) as
mmkd's SingleTeacherDistill with OFDLoss(teacher_bn); the converted loss is
MMRazor's, in float64 (its margins written as MMRazor's OFDDistiller
computes them, with scipy). test_mmrazor_configs.py trains the converted
config from the wheel."""
import copy
import math
import os.path as osp
import sys

import pytest
import torch
import torch.nn as nn
from numeric import assert_close
from tool_utils import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
from mmrazor_common import Unsupported  # noqa: E402
from mmrazor_ofd import convert_ofd  # noqa: E402

LAYERS = ('backbone.layer2.0.bn1', 'backbone.layer3.0.bn1', 'backbone.bn1')
# MMRazor 1.0.0's ofd_backbone_resnet50_resnet18_8xb16_cifar10.py model, as
# its converter sees it (networks already renamed, connectors left out)
MODEL = dict(
    type='mmrazor.OverhaulFeatureDistillation',
    architecture=dict(
        cfg_path='mmkd::mmpretrain/wrn/wrn16-w2_8xb16_cifar10.py'),
    teacher=dict(cfg_path='mmkd::mmpretrain/wrn/wrn28-w4_8xb16_cifar10.py'),
    distiller=dict(
        type='OFDDistiller',
        student_recorders={
            f'bb_{i}': dict(type='ModuleOutputs', source=s)
            for i, s in enumerate(LAYERS, 1)
        },
        teacher_recorders={
            f'bb_{i}': dict(type='ModuleOutputs', source=s)
            for i, s in enumerate(LAYERS, 1)
        },
        distill_losses={
            f'loss_{i}': dict(type='OFDLoss', loss_weight=w)
            for i, w in ((1, 0.25), (2, 0.5), (3, 1.0))
        },
        connectors={
            f'loss_{i}_tfeat': dict(type='OFDTeacherConnector')
            for i in (1, 2, 3)
        },
        loss_forward_mappings={
            f'loss_{i}':
            dict(
                s_feature=dict(from_student=True, recorder=f'bb_{i}'),
                t_feature=dict(
                    from_student=False,
                    recorder=f'bb_{i}',
                    connector=f'loss_{i}_tfeat'))
            for i in (1, 2, 3)
        }))


def test_ofd_becomes_ofdloss_with_teacher_bn():
    model = copy.deepcopy(MODEL)
    convert_ofd(model)
    distiller = model['distiller']
    assert model['type'] == 'SingleTeacherDistill'
    assert distiller['type'] == 'ConfigurableDistiller'
    assert distiller['connectors'] == {}
    assert distiller['distill_losses'] == {
        f'loss_{i}':
        dict(type='mmkd.OFDLoss', teacher_bn=layer, loss_weight=w / 1000.0)
        for i, layer, w in zip((1, 2, 3), LAYERS, (0.25, 0.5, 1.0))
    }
    for i in (1, 2, 3):
        assert distiller['loss_forward_mappings'][f'loss_{i}'][
            't_feature'] == dict(
                from_student=False, recorder=f'bb_{i}')


@pytest.mark.parametrize('change, reason', [
    (lambda m: m['distiller'].update(type='ConfigurableDistiller'),
     'without its OFDDistiller'),
    (lambda m: m['teacher'].update(
        cfg_path='mmrazor::vanilla/mmcls/wide-resnet/wrn40-w2_b16x8_'
        'cifar10.py'), "MMRazor's own mmrazor:: configs"),
    (lambda m: m['distiller']['connectors'].update(
        loss_1_tfeat=dict(type='ConvModuleConnector')),
     'through an OFDTeacherConnector'),
    (lambda m: m['distiller']['distill_losses']['loss_2'].update(
        reduction='sum'), r"OFDLoss options \['reduction'\]"),
])
def test_other_forms_are_refused(change, reason):
    model = copy.deepcopy(MODEL)
    change(model)
    with pytest.raises(Unsupported, match=reason):
        convert_ofd(model)


def mmrazor_ofd(s, t, bn, loss_weight, mul_factor=1000.0):
    """MMRazor's OFDTeacherConnector(margins of OFDDistiller) + OFDLoss,
    in float64, as its code writes them."""
    from scipy.stats import norm
    margin = []
    for s_, m_ in zip(bn.weight.tolist(), bn.bias.tolist()):
        s_ = abs(s_)
        if norm.cdf(-m_ / s_) > 0.001:
            margin.append(-s_ * math.exp(-(m_ / s_)**2 / 2) /
                          math.sqrt(2 * math.pi) / norm.cdf(-m_ / s_) + m_)
        else:
            margin.append(-3 * s_)
    margin = torch.FloatTensor(margin).double().view(1, -1, 1, 1)
    t = torch.max(t, margin)
    loss = (s - t).pow(2) * ((s > t) | (t > 0)).double()
    return loss_weight * loss.sum() / s.size(0) / mul_factor


def test_converted_loss_is_mmrazors_in_float64():
    from mmkd.registry import MODELS
    torch.manual_seed(0)
    teacher = nn.Sequential()
    teacher.bn = nn.BatchNorm2d(6)
    teacher.bn.weight.data = torch.randn(6)
    teacher.bn.bias.data = torch.randn(6) * 2  # some channels -3 s
    model = copy.deepcopy(MODEL)
    convert_ofd(model)
    cfg = dict(model['distiller']['distill_losses']['loss_2'], teacher_bn='bn')
    loss = MODELS.build(cfg)
    loss.init_from_models(nn.Identity(), teacher)
    s = torch.randn(3, 6, 4, 4, dtype=torch.float64)
    t = torch.randn(3, 6, 4, 4, dtype=torch.float64) * 2
    # both keep the margins in float32 (to an ulp: scipy's cdf and torch's
    # erfc may round apart)
    assert_close(loss(s, t), mmrazor_ofd(s, t, teacher.bn, 0.5), rtol=1e-6)
