"""DeiTDistillHead: mmpretrain's DeiT head trained as DeiT trains it (the
label loss on the class token's logits, the distillation token's logits
left for the distiller) and predicting, as DeiT and mmpretrain do, the
average of both heads."""
import pickle
import subprocess
import sys
import warnings

import torch
import torch.nn.functional as F
from numeric import assert_close
from tool_utils import REPO

from mmkd.registry import MODELS

ARGS = dict(
    num_classes=5,
    in_channels=8,
    loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    init_cfg=dict(type='Normal', layer='Linear', std=1.0))


def build():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='DeiTDistillHead', **ARGS))
    head.init_weights()
    return head


def feats(n=4):
    gen = torch.Generator().manual_seed(1)
    cls_token, dist_token = (
        torch.randn(n, 8, generator=gen) for _ in range(2))
    return ((cls_token, dist_token), ), cls_token, dist_token


def samples(labels):
    from mmpretrain.structures import DataSample
    return [DataSample().set_gt_label(int(y)) for y in labels]


def test_is_mmpretrains_head_with_the_same_parameters():
    from mmpretrain.models.heads import DeiTClsHead
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    head = build()
    plain = PRETRAIN_MODELS.build(
        dict(type='DeiTClsHead', _scope_='mmpretrain', **ARGS))
    assert isinstance(head, DeiTClsHead)
    assert {
        k: v.shape
        for k, v in head.state_dict().items()
    } == {
        k: v.shape
        for k, v in plain.state_dict().items()
    }
    # the nested loss type is mmpretrain's, though built in mmkd's scope
    assert type(head.loss_module).__module__.startswith('mmpretrain.')


def test_loss_is_the_class_tokens_and_records_the_distillation_head():
    head = build().train()
    inputs, cls_token, dist_token = feats()
    recorded = []
    head.layers.head_dist.register_forward_hook(
        lambda m, i, out: recorded.append(out))
    labels = torch.tensor([0, 1, 2, 4])
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # mmpretrain's head warns here
        losses = head.loss(inputs, samples(labels))
    cls_logits = head.layers.head(cls_token).double()
    target = F.one_hot(labels, 5).double() * 0.9 + 0.1 / 5
    expected = -(target * F.log_softmax(cls_logits, 1)).sum(1).mean()
    assert_close(losses['loss'], expected, rtol=1e-6)
    assert len(recorded) == 1
    assert torch.equal(recorded[0], head.layers.head_dist(dist_token))
    # the distillation head's output carries the graph a distill loss needs
    recorded[0].sum().backward()
    assert head.layers.head_dist.weight.grad.abs().sum() > 0
    assert head.layers.head.weight.grad is None


def test_forward_and_predict_average_both_heads():
    head = build()
    inputs, cls_token, dist_token = feats()
    average = (head.layers.head(cls_token) +
               head.layers.head_dist(dist_token)) / 2
    for mode in (head.train, head.eval):
        mode()
        assert torch.equal(head(inputs), average)
    preds = head.predict(inputs)
    assert torch.equal(
        torch.stack([p.pred_score for p in preds]), F.softmax(average, 1))
    assert not torch.equal(average, head.layers.head(cls_token))


def test_pickles():
    head = build()
    copy = pickle.loads(pickle.dumps(head))
    inputs = feats()[0]
    assert torch.equal(copy(inputs), head(inputs))


def test_importing_mmkd_models_does_not_import_mmpretrain():
    script = ('import sys, mmkd.models; '
              "assert 'mmpretrain' not in sys.modules, 'imported'")
    proc = subprocess.run([sys.executable, '-c', script],
                          cwd=REPO,
                          env=dict(PYTHONPATH=REPO, PATH=''),
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_without_mmpretrain_the_error_names_the_extra():
    script = ("import sys; sys.modules['mmpretrain'] = None\n"
              'from mmkd.registry import MODELS\n'
              "MODELS.build(dict(type='DeiTDistillHead', _scope_='mmkd', "
              'num_classes=2, in_channels=4))\n')
    proc = subprocess.run([sys.executable, '-c', script],
                          cwd=REPO,
                          env=dict(PYTHONPATH=REPO, PATH=''),
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert "DeiTDistillHead needs mmpretrain" in proc.stderr
    assert "pip install '.[cls]'" in proc.stderr
