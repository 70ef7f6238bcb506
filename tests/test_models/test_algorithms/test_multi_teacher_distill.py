"""MultiTeacherDistill: named frozen teachers, records per teacher (compact
and explicit forms), independent early exits, the ensemble loss."""
import pytest
import torch
import torch.nn.functional as F
from beyond_utils import save_teacher, simple_cnn

from mmkd.models.losses.ensemble_kd import EnsembleKDLoss
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

T1, T2 = simple_cnn(16, 3), simple_cnn(16, 5)


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    root = tmp_path_factory.mktemp('teachers')
    return save_teacher(T1, root / 't1.pth',
                        1), save_teacher(T2, root / 't2.pth', 2)


def build(ckpts, distiller=None, **teacher_extra):
    distiller = distiller or dict(
        type='ConfigurableDistiller',
        student_distill_layer=['linear', 'linear'],
        teacher_distill_layer=['t1/linear', 't2/linear'],
        loss=[dict(type='EnsembleKDLoss', tau=4)],
        weights=[0.9])
    return MODELS.build(
        dict(
            type='MultiTeacherDistill',
            architecture=simple_cnn(8, 2),
            teachers=dict(
                t1=dict(model=T1, ckpt=ckpts[0], **teacher_extra),
                t2=dict(model=T2, ckpt=ckpts[1])),
            student_loss_weight=0.1,
            distiller=distiller))


def batch(n=4):
    return torch.randn(
        n, 1, 8, 8), [ClsDataSample().set_gt_label(i % 10) for i in range(n)]


def test_teachers_frozen_outside_the_tree_and_not_saved(ckpts):
    algo = build(ckpts).train()
    own = {id(p) for p in algo.parameters()}
    for name, teacher in algo.teachers.items():
        assert not teacher.training
        assert all(not p.requires_grad for p in teacher.parameters())
        assert not own & {id(p) for p in teacher.parameters()}
    # strict loads: the teachers hold their checkpoints' weights
    saved = torch.load(ckpts[0], weights_only=False)['state_dict']
    for key, value in algo.teachers['t1'].state_dict().items():
        assert torch.equal(value, saved[key]), key
    assert all(k.startswith('architecture.') for k in algo.state_dict())
    losses = algo(*batch(), mode='loss')
    assert set(losses) == {'student.loss_cls', 'distill.loss_ensemblekd'}
    sum(losses.values()).backward()
    assert algo.architecture.layer1[0].weight.grad.abs().sum() > 0
    assert all(p.grad is None for t in algo.teachers.values()
               for p in t.parameters())


def test_each_teacher_stops_after_its_own_last_record(ckpts):
    distiller = dict(
        type='ConfigurableDistiller',
        student_distill_layer=['layer1', 'linear'],
        teacher_distill_layer=['t1/layer1', 't2/linear'],
        loss=[dict(type='L2Loss'),
              dict(type='KDLoss', tau=4)],
        connectors=[
            dict(type='ConvBNConnector', in_channels=8, out_channels=16), None
        ])
    algo = build(ckpts, distiller=distiller)
    calls = []
    algo.teachers['t1'].layer2.register_forward_hook(
        lambda *a: calls.append('t1.layer2'))
    algo.teachers['t2'].linear.register_forward_hook(
        lambda *a: calls.append('t2.linear'))
    for _ in range(3):
        algo(*batch(), mode='loss')
    # t1 runs in full once to plan, then stops after layer1; t2 runs on
    assert calls == ['t1.layer2', 't2.linear', 't2.linear', 't2.linear']
    # early_exit=False: the teacher runs in full every step
    algo = build(ckpts, distiller=distiller, early_exit=False)
    calls.clear()
    algo.teachers['t1'].layer2.register_forward_hook(
        lambda *a: calls.append('t1.layer2'))
    for _ in range(2):
        algo(*batch(), mode='loss')
    assert calls == ['t1.layer2'] * 2


def test_explicit_form_and_weighted_ensemble_match_the_formula(ckpts):
    distiller = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='linear')),
        teacher_recorders=dict(
            a=dict(type='ModuleOutputs', source='linear', teacher='t1'),
            b=dict(type='ModuleOutputs', source='linear', teacher='t2')),
        distill_losses=dict(
            loss_ens=dict(type='EnsembleKDLoss', tau=2, weights=[3, 1])),
        loss_forward_mappings=dict(
            loss_ens=dict(
                student=dict(recorder='logits', from_student=True),
                teacher=[
                    dict(recorder='a', from_student=False),
                    dict(recorder='b', from_student=False)
                ])))
    algo = build(ckpts, distiller=distiller).eval()
    x, samples = batch()
    loss = algo(x, samples, mode='loss')['distill.loss_ens']
    with torch.no_grad():
        s = algo.architecture(x)
        p = 0.75 * F.softmax(algo.teachers['t1'](x) / 2, 1) + \
            0.25 * F.softmax(algo.teachers['t2'](x) / 2, 1)
        expected = (p * (p.log() - F.log_softmax(s / 2, 1))).sum(1).mean() * 4
    torch.testing.assert_close(loss.detach(), expected)


def test_ensemble_of_one_is_kd():
    s, t = torch.randn(5, 7, dtype=torch.float64), torch.randn(5, 7)
    kd = MODELS.build(dict(type='KDLoss', tau=3))(s, t.double())
    torch.testing.assert_close(EnsembleKDLoss(tau=3)(s, [t.double()]), kd)
    with pytest.raises(ValueError, match='different student inputs'):
        EnsembleKDLoss()([s, s.clone()], [t, t])
    with pytest.raises(ValueError, match='2 weights for 1 teachers'):
        EnsembleKDLoss(weights=[1, 1])(s, [t])


def test_configuration_errors(ckpts):
    with pytest.raises(ValueError, match='teachers.t1.ckpt is not set'):
        MODELS.build(
            dict(
                type='MultiTeacherDistill',
                architecture=simple_cnn(8, 2),
                teachers=dict(t1=dict(model=T1)),
                distiller=dict(type='ConfigurableDistiller')))
    with pytest.raises(KeyError, match="teacher 't3', but the teachers "):
        build(
            ckpts,
            distiller=dict(
                type='ConfigurableDistiller',
                student_distill_layer=['linear', 'linear'],
                teacher_distill_layer=['t1/linear', 't3/linear'],
                loss=[dict(type='EnsembleKDLoss')]))
    with pytest.raises(ValueError, match="Teacher 't2' is recorded by no"):
        build(
            ckpts,
            distiller=dict(
                type='ConfigurableDistiller',
                student_distill_layer=['linear'],
                teacher_distill_layer=['t1/linear'],
                loss=[dict(type='KDLoss')]))


def test_checkpoint_errors_name_the_teacher(ckpts, tmp_path):
    cut = tmp_path / 'cut.pth'
    with open(ckpts[0], 'rb') as f:
        cut.write_bytes(f.read()[:200])
    with pytest.raises(RuntimeError) as info:
        build((ckpts[0], str(cut)))
    assert f"teachers.t2.ckpt '{cut}' is truncated" in str(info.value)
    # t2's checkpoint given to t1 (another architecture): t1 is named
    with pytest.raises(RuntimeError) as info:
        build((ckpts[1], ckpts[1]))
    assert f"teachers.t1.ckpt '{ckpts[1]}' does not match" in str(info.value)
    with pytest.raises(FileNotFoundError) as info:
        build((ckpts[0], str(tmp_path / 'none.pth')))
    assert 'teachers.t2.ckpt' in str(info.value)
