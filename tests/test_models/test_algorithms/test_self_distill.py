"""SelfDistill: auxiliary heads train with the network, learn from its
detached deepest outputs, are checkpointed and dropped at export."""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from beyond_utils import REPO, simple_cnn

from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

sys.path.insert(0, osp.join(REPO, 'tools', 'model_converters'))
from export_student import export_student  # noqa: E402


def build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='SelfDistill',
            architecture=simple_cnn(8, 4),
            aux_heads=[
                dict(source='layer1', in_channels=8, num_downsample=2),
                dict(source='layer3', in_channels=8, num_downsample=1)
            ],
            **kwargs))


def batch(n=4):
    return torch.randn(
        n, 1, 8, 8), [ClsDataSample().set_gt_label(i % 10) for i in range(n)]


def test_heads_train_are_saved_and_predict_uses_the_network():
    algo = build().train()
    own = {id(p) for p in algo.parameters()}
    assert {id(p) for p in algo.aux_heads.parameters()} <= own
    assert all(p.requires_grad for p in algo.parameters())
    keys = algo.state_dict().keys()
    assert any(k.startswith('aux_heads.layer1.bottleneck.') for k in keys)
    assert all(k.startswith(('architecture.', 'aux_heads.')) for k in keys)
    losses = algo(*batch(), mode='loss')
    assert set(losses) == {
        'student.loss_cls', 'aux.layer1.loss_cls', 'aux.layer3.loss_cls',
        'distill.layer1.loss_kd', 'distill.layer1.loss_feature',
        'distill.layer3.loss_kd', 'distill.layer3.loss_feature'
    }
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    algo.eval()
    x, _ = batch()
    with torch.no_grad():
        assert torch.equal(algo(x), algo.architecture(x))


def test_the_deepest_outputs_teach_but_are_not_taught():
    algo = build(aux_ce_weight=0.0).train()
    losses = algo(*batch(), mode='loss')
    distill = sum(v for k, v in losses.items() if k.startswith('distill.'))
    distill.backward()
    # the targets (deepest logits and feature) are detached: no gradient
    # reaches the network's classifier or its last stage from the heads
    assert algo.architecture.linear.weight.grad is None
    assert algo.architecture.layer4[0].weight.grad is None
    # the heads and the stages below them learn
    assert algo.aux_heads['layer1'].fc.weight.grad.abs().sum() > 0
    assert algo.architecture.layer1[0].weight.grad.abs().sum() > 0


def test_loss_values_follow_the_formula():
    algo = build(aux_ce_weight=0.7).eval()  # eval: fixed BN, same outputs
    x, samples = batch()
    losses = algo(x, samples, mode='loss')
    net = algo.architecture
    with torch.no_grad():
        stage1 = net.layer1(x)
        feature, logits = algo.aux_heads['layer1'](stage1)
        deep = net(x)
        deep_feature = torch.flatten(
            net.avgpool(
                net.pool4(
                    net.layer4(net.layer3(net.pool2(net.layer2(stage1)))))), 1)
        labels = torch.arange(4)
        tau = 3.0
        kd = F.kl_div(
            F.log_softmax(logits / tau, 1),
            F.softmax(deep / tau, 1),
            reduction='batchmean')
    torch.testing.assert_close(losses['aux.layer1.loss_cls'].detach(),
                               0.7 * F.cross_entropy(logits, labels))
    torch.testing.assert_close(losses['distill.layer1.loss_kd'].detach(),
                               0.3 / 9 * kd * tau**2)
    torch.testing.assert_close(
        losses['distill.layer1.loss_feature'].detach(),
        0.03 * (feature - deep_feature).pow(2).sum() / 4)


def test_export_is_the_plain_network(tmp_path):
    algo = build()
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=algo.state_dict()), ckpt)
    export_student(str(ckpt), str(tmp_path / 'student.pth'))
    exported = torch.load(tmp_path / 'student.pth')['state_dict']
    plain = MODELS.build(simple_cnn(8, 4))
    assert exported.keys() == plain.state_dict().keys()
    plain.load_state_dict(exported, strict=True)
    x, _ = batch()
    algo.eval(), plain.eval()
    with torch.no_grad():
        assert torch.equal(plain(x), algo(x))


def test_configuration_errors():
    with pytest.raises(KeyError, match='needs a "source"'):
        MODELS.build(
            dict(
                type='SelfDistill',
                architecture=simple_cnn(8, 2),
                aux_heads=[dict(in_channels=8)]))
    with pytest.raises(TypeError, match='nn.Linear'):
        MODELS.build(
            dict(
                type='SelfDistill',
                architecture=simple_cnn(8, 2),
                classifier='layer2',
                aux_heads=[dict(source='layer1', in_channels=8)]))
