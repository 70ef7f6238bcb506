"""MutualLearning: all students train (each from the others' detached
outputs), each can be evaluated and exported."""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from beyond_utils import REPO, short_cfg, simple_cnn
from mmengine.runner import Runner

from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

sys.path.insert(0, osp.join(REPO, 'tools', 'model_converters'))
from export_students import export_students  # noqa: E402

STUDENTS = [simple_cnn(8, 2), simple_cnn(16, 2), simple_cnn(4, 3)]


def build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(
        dict(type='MutualLearning', students=STUDENTS, **kwargs))


def batch(n=4):
    return torch.randn(
        n, 1, 8, 8), [ClsDataSample().set_gt_label(i % 10) for i in range(n)]


def test_every_student_trains_and_is_saved():
    algo = build().train()
    assert len(algo.students) == 3
    assert all(s.training for s in algo.students)
    own = {id(p) for p in algo.parameters()}
    for student in algo.students:
        assert {id(p) for p in student.parameters()} <= own
    prefixes = {
        k.split('.')[0] +
        ('.' + k.split('.')[1] if k.startswith('peers') else '')
        for k in algo.state_dict()
    }
    assert prefixes == {'architecture', 'peers.0', 'peers.1'}
    losses = algo(*batch(), mode='loss')
    assert set(losses) == {
        'student.loss_cls', 'student.peer1.loss_cls', 'student.peer2.loss_cls',
        'distill.s0.loss_kl', 'distill.s1.loss_kl', 'distill.s2.loss_kl'
    }
    sum(losses.values()).backward()
    assert all(s.linear.weight.grad.abs().sum() > 0 for s in algo.students)


def test_each_student_learns_only_from_its_own_kl_term():
    algo = build()
    x, samples = batch()
    losses = algo(x, samples, mode='loss')
    losses['distill.s0.loss_kl'].backward()
    # the peers' outputs are targets (detached): only student 0 gets grads
    assert algo.architecture.linear.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in algo.peers.parameters())
    # the value: mean over the peers of KL(p_peer || p_0) at T=1
    with torch.no_grad():
        logits = [s(x) for s in algo.students]
        log_p0 = F.log_softmax(logits[0], 1)
        expected = sum(
            F.kl_div(log_p0, F.softmax(z, 1), reduction='batchmean')
            for z in logits[1:]) / 2
    torch.testing.assert_close(losses['distill.s0.loss_kl'].detach(), expected)


def test_evaluate_student_switches_predict():
    algo = build(evaluate_student=2).eval()
    x, _ = batch()
    with torch.no_grad():
        assert torch.equal(algo(x), algo.peers[1](x))
        algo.evaluate_student = 1
        assert torch.equal(algo(x), algo.peers[0](x))
    with pytest.raises(ValueError, match=r'index in \[0, 3\)'):
        algo.evaluate_student = 3


def test_each_student_is_evaluated_and_exported(tmp_path):
    cfg = short_cfg('dml', tmp_path, {}, samples=8, batch=4, epochs=1)
    cfg.custom_hooks = [dict(type='EvaluateEachStudentHook')]
    cfg.train_cfg.val_interval = 1
    cfg.val_dataloader.dataset.indices = 16
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    scores = [
        hub.get_scalar(f'val/student{i}/accuracy/top1').current()
        for i in range(2)
    ]
    assert scores[0] == hub.get_scalar('val/accuracy/top1').current()
    model = runner.model
    model.evaluate_student = 1
    assert runner.val_loop.run()['accuracy/top1'] == scores[1]
    assert model.evaluate_student == 1  # the hook restored it
    # each student exports to a plain checkpoint of its own config
    paths = export_students(
        str(tmp_path / 'epoch_1.pth'), str(tmp_path / 'students'))
    assert [osp.basename(p) for p in paths] == ['student0.pth', 'student1.pth']
    for path, student, channels in zip(paths, model.students, (8, 16)):
        plain = MODELS.build(simple_cnn(channels, 2))
        plain.load_state_dict(torch.load(path)['state_dict'], strict=True)
        for key, value in plain.state_dict().items():
            assert torch.equal(value, student.state_dict()[key]), key
