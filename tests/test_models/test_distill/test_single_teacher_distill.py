import gc

import pytest
import torch
from mmengine.registry import init_default_scope

import mmkd  # noqa: F401
from mmkd.models.recorders import resolve_module
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

init_default_scope('mmkd')

VID3 = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['layer1', 'layer2', 'layer3'],
    teacher_distill_layer=['layer1', 'layer2', 'layer3'],
    loss=[
        dict(type='vid', in_channels=c, mid_channels=c, out_channels=c)
        for c in (16, 32, 64)
    ],
    weights=[1.0, 1.0, 1.0])
KD = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['linear'],
    teacher_distill_layer=['linear'],
    loss=[dict(type='KDLoss', T=4)],
    weights=[0.9])


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    torch.manual_seed(0)
    teacher = MODELS.build(dict(type='resnet14', num_classes=10))
    # non-trivial BN statistics, to see that they never change
    for m in teacher.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
    path = tmp_path_factory.mktemp('teacher') / 'teacher.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=teacher.state_dict()), path)
    return str(path)


def build(teacher_ckpt, distiller=VID3, **kwargs):
    return MODELS.build(
        dict(
            type='SingleTeacherDistill',
            architecture=dict(type='resnet8', num_classes=10),
            teacher=dict(type='resnet14', num_classes=10),
            teacher_ckpt=teacher_ckpt,
            distiller=distiller,
            **kwargs))


def batch(n=4):
    return torch.randn(n, 3, 32, 32), [
        ClsDataSample().set_gt_label(i % 10) for i in range(n)
    ]


def test_teacher_frozen_eval_and_outside_the_module_tree(teacher_ckpt):
    algo = build(teacher_ckpt).train()
    teacher = algo.teacher
    assert not teacher.training and algo.architecture.training
    assert all(not p.requires_grad for p in teacher.parameters())
    own = {id(p) for p in algo.parameters()}
    assert not own & {id(p) for p in teacher.parameters()}
    assert not any(k.startswith('teacher') for k in algo.state_dict())
    # learnable distiller parts are in parameters() and the state dict
    assert id(algo.distiller.distill_losses['loss_vid_0'].alpha) in own
    assert 'distiller.distill_losses.loss_vid_0.alpha' in algo.state_dict()


def test_grads_reach_student_and_vid_not_teacher(teacher_ckpt):
    algo = build(teacher_ckpt).train()
    bn_before = {k: v.clone() for k, v in algo.teacher.state_dict().items()}
    optim = torch.optim.SGD(algo.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        losses = algo(*batch(), mode='loss')
        assert set(losses) == {
            'student.loss_cls', 'distill.loss_vid_0', 'distill.loss_vid_1',
            'distill.loss_vid_2'
        }
        optim.zero_grad()
        sum(losses.values()).backward()
        assert algo.architecture.conv1.weight.grad.abs().sum() > 0
        vid = algo.distiller.distill_losses['loss_vid_2']
        assert vid.alpha.grad.abs().sum() > 0
        assert all(p.grad is None for p in algo.teacher.parameters())
        optim.step()
    for k, v in algo.teacher.state_dict().items():
        assert torch.equal(v, bn_before[k]), k  # weights and BN statistics


def test_teacher_stops_after_last_recorded_layer(teacher_ckpt):
    algo = build(teacher_ckpt).train()
    calls = []
    algo.teacher.linear.register_forward_hook(lambda *a: calls.append(1))
    algo.teacher.layer3.register_forward_hook(lambda *a: calls.append(3))
    for _ in range(3):
        algo(*batch(), mode='loss')
    # first step runs in full to learn the order; later ones stop at layer3
    assert calls == [3, 1, 3, 3]


def test_recorded_tensors_do_not_outlive_a_step(teacher_ckpt):
    algo = build(teacher_ckpt, distiller=KD).train()
    x, samples = batch(2)
    x = x[..., :16, :16]  # small: the loop, not the size, matters

    def live_tensors():
        gc.collect()
        return sum(1 for o in gc.get_objects() if torch.is_tensor(o))

    algo(x, samples, mode='loss')
    start = live_tensors()
    for _ in range(100):
        algo(x, samples, mode='loss')
        managers = (algo.distiller.student_recorders,
                    algo.distiller.teacher_recorders)
        assert all(not r.data for m in managers for r in m.recorders.values())
    assert live_tensors() <= start


def test_student_loss_weight_and_predict_use_student(teacher_ckpt):
    algo = build(teacher_ckpt, distiller=KD, student_loss_weight=0.0)
    x, samples = batch()
    losses = algo(x, samples, mode='loss')
    assert losses['student.loss_cls'].item() == 0.0
    assert losses['distill.loss_kd'].item() > 0
    algo.eval()
    with torch.no_grad():
        assert torch.equal(algo(x), algo.architecture(x))
        algo.evaluate_teacher = True
        assert torch.equal(algo(x), algo.teacher(x))


def test_teacher_checkpoint_errors(teacher_ckpt, tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        build(str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='teacher_ckpt is not set'):
        build(None)
    wrong = tmp_path / 'wrong.pth'
    torch.save(
        dict(
            state_dict=MODELS.build(dict(type='resnet8',
                                         num_classes=10)).state_dict()), wrong)
    with pytest.raises(RuntimeError) as info:
        build(str(wrong))
    message = str(info.value)
    assert 'missing keys: layer1.1.' in message  # resnet14 has 2 blocks
    assert 'silently be random' in message


def test_layer_names_resolve_through_ddp_style_wrappers():
    # any wrapper mmengine knows (DDP, DataParallel, MMDistributedDataParallel)
    net = MODELS.build(dict(type='resnet8', num_classes=10))
    wrapped = torch.nn.DataParallel(net)
    assert resolve_module(wrapped, 'layer2', 'student') is net.layer2
    assert resolve_module(wrapped, 'module.layer2', 'student') is net.layer2
