import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope

import mmkd  # noqa: F401
from mmkd.models import (ConfigurableDistiller, LayerNotFoundError,
                         compact_to_explicit)
from mmkd.registry import MODELS

init_default_scope('mmkd')


def nets():
    torch.manual_seed(0)
    student = MODELS.build(dict(type='resnet8', num_classes=10))
    teacher = MODELS.build(dict(type='resnet14', num_classes=10)).eval()
    return student, teacher


def run_step(distiller, student, teacher, x):
    distiller.reset()
    with distiller.teacher_recorders.recording(), torch.no_grad():
        teacher(x)
    with distiller.student_recorders.recording():
        student(x)
    losses = distiller.compute_distill_losses()
    distiller.reset()
    return losses


def test_compact_and_explicit_forms_give_the_same_losses():
    x = torch.randn(4, 3, 32, 32)
    student, teacher = nets()
    compact = ConfigurableDistiller(
        student_distill_layer=['linear', 'layer3'],
        teacher_distill_layer=['linear', 'layer3'],
        loss=[
            dict(type='vanilla_kd', T=4),
            dict(type='vid', in_channels=64, mid_channels=8, out_channels=64)
        ],
        weights=[0.9, 2.0])
    compact.prepare(student, teacher)
    explicit = ConfigurableDistiller(
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='linear'),
            feat=dict(type='ModuleOutputs', source='layer3')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='linear'),
            feat=dict(type='ModuleOutputs', source='layer3')),
        distill_losses=dict(
            kd=dict(type='KDLoss', T=4, loss_weight=0.9),
            vid=dict(
                type='VIDLoss',
                in_channels=64,
                mid_channels=8,
                out_channels=64,
                loss_weight=2.0)),
        loss_forward_mappings=dict(
            kd=dict(
                student=dict(recorder='logits', from_student=True),
                teacher=dict(recorder='logits', from_student=False)),
            vid=dict(
                student=dict(recorder='feat', from_student=True),
                teacher=dict(recorder='feat', from_student=False))))
    explicit.prepare(student, teacher)
    explicit.distill_losses['vid'].load_state_dict(
        compact.distill_losses['loss_vid'].state_dict())
    a = run_step(compact, student, teacher, x)
    b = run_step(explicit, student, teacher, x)
    # the log key is the class's (KDLoss), whichever alias built it
    assert set(a) == {'loss_kd', 'loss_vid'}
    assert a['loss_kd'].item() == pytest.approx(b['kd'].item())
    assert a['loss_vid'].item() == pytest.approx(b['vid'].item())


def test_one_loss_over_all_layers_gets_lists():
    cfg = compact_to_explicit(['layer2', 'layer3', 'linear'],
                              ['layer2', 'layer3', 'linear'],
                              [dict(type='irg')], [1.0])
    # named after IRGLoss.forward's arguments, read from the class
    mapping = cfg['loss_forward_mappings']['loss_irg']
    student_spec, teacher_spec = mapping['student'], mapping['teacher']
    assert cfg['distill_losses']['loss_irg'] == dict(
        type='irg', loss_weight=1.0)
    assert [s['recorder']
            for s in student_spec] == ['layer2', 'layer3', 'linear']
    assert all(s['from_student'] is False for s in teacher_spec)


@pytest.mark.parametrize('kwargs,match', [
    (dict(
        student_distill_layer=['layer1', 'layer2'],
        teacher_distill_layer=['layer1'],
        loss=[dict(type='KDLoss')]), 'student_distill_layer has 2'),
    (dict(
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='KDLoss')],
        weights=[1.0, 2.0]), 'weights has 2 values'),
    (dict(
        student_distill_layer=['a', 'b', 'c'],
        teacher_distill_layer=['a', 'b', 'c'],
        loss=[dict(type='KDLoss')] * 2), 'loss has 2 entries'),
])
def test_inconsistent_lengths_name_the_keys(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConfigurableDistiller(**kwargs)


def test_unknown_loss_lists_known_ones():
    with pytest.raises(KeyError) as info:
        ConfigurableDistiller(
            student_distill_layer=['linear'],
            teacher_distill_layer=['linear'],
            loss=[dict(type='vanila_kd')])
    message = str(info.value)
    assert "'vanila_kd'" in message
    for known in ('KDLoss', 'vanilla_kd', 'VIDLoss', 'irg'):
        assert known in message


def test_typo_in_layer_name_suggests_close_matches():
    student, teacher = nets()
    distiller = ConfigurableDistiller(
        student_distill_layer=['layer_3'],
        teacher_distill_layer=['layer3'],
        loss=[
            dict(type='vid', in_channels=64, mid_channels=8, out_channels=64)
        ])
    with pytest.raises(LayerNotFoundError) as info:
        distiller.prepare(student, teacher)
    message = str(info.value)
    assert "student model (CIFARResNet) has no layer named 'layer_3'" in \
        message
    assert "'layer3'" in message and 'Did you mean' in message


def test_mapping_key_the_loss_does_not_accept():
    with pytest.raises(KeyError, match="has no argument 'preds_S'"):
        ConfigurableDistiller(
            student_recorders=dict(
                x=dict(type='ModuleOutputs', source='linear')),
            teacher_recorders=dict(
                x=dict(type='ModuleOutputs', source='linear')),
            distill_losses=dict(kd=dict(type='KDLoss')),
            loss_forward_mappings=dict(
                kd=dict(
                    preds_S=dict(recorder='x', from_student=True),
                    teacher=dict(recorder='x', from_student=False))))


def test_mapping_to_unknown_recorder_and_missing_mapping():
    recorders = dict(x=dict(type='ModuleOutputs', source='linear'))
    with pytest.raises(KeyError, match="no teacher recorder named 'y'"):
        ConfigurableDistiller(
            student_recorders=recorders,
            teacher_recorders=recorders,
            distill_losses=dict(kd=dict(type='KDLoss')),
            loss_forward_mappings=dict(
                kd=dict(
                    student=dict(recorder='x', from_student=True),
                    teacher=dict(recorder='y', from_student=False))))
    with pytest.raises(KeyError, match='no entry in loss_forward_mappings'):
        ConfigurableDistiller(
            student_recorders=recorders,
            teacher_recorders=recorders,
            distill_losses=dict(kd=dict(type='KDLoss')),
            loss_forward_mappings=dict())


def test_shape_mismatch_names_both_layers_and_shapes():
    student, teacher = nets()
    distiller = ConfigurableDistiller(
        student_distill_layer=['layer2'],
        teacher_distill_layer=['layer3'],
        loss=[dict(type='KDLoss')])
    distiller.prepare(student, teacher)
    with pytest.raises(ValueError) as info:
        run_step(distiller, student, teacher, torch.randn(2, 3, 32, 32))
    message = str(info.value)
    assert "student 'layer2'" in message and "teacher 'layer3'" in message
    assert '(2, 32, 16, 16)' in message and '(2, 64, 8, 8)' in message


def test_connector_adapts_channels_and_size_and_trains():
    student, teacher = nets()
    distiller = ConfigurableDistiller(
        student_distill_layer=['layer2'],
        teacher_distill_layer=['layer3'],
        loss=[
            dict(type='vid', in_channels=64, mid_channels=8, out_channels=64)
        ],
        connectors=[
            dict(
                type='ConvBNConnector',
                in_channels=32,
                out_channels=64,
                resize=True)
        ])
    distiller.prepare(student, teacher)
    losses = run_step(distiller, student, teacher, torch.randn(2, 3, 32, 32))
    losses['loss_vid'].backward()
    conv = distiller.connectors['connector_0'].layers[0]
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0


@MODELS.register_module()
class CustomL1Loss(nn.Module):
    """The documented way to add a loss: register it, then name it."""

    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, s_feat, t_feat):
        return self.loss_weight * (s_feat - t_feat).abs().mean()


def test_custom_registered_loss_works_by_name():
    student, teacher = nets()
    distiller = ConfigurableDistiller(
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='CustomL1Loss')],
        weights=[0.5])
    distiller.prepare(student, teacher)
    x = torch.randn(2, 3, 32, 32)
    losses = run_step(distiller, student, teacher, x)
    with torch.no_grad():
        expected = (student(x) - teacher(x)).abs().mean()
    assert losses['loss_customl1'].item() == pytest.approx(
        0.5 * expected.item(), rel=1e-5)


def test_a_loss_has_one_weight():
    with pytest.raises(
            ValueError, match=r'loss_weight=2.0 and weights\[0\] '
            'is 0.5'):
        ConfigurableDistiller(
            student_distill_layer=['linear'],
            teacher_distill_layer=['linear'],
            loss=[dict(type='CustomL1Loss', loss_weight=2.0)],
            weights=[0.5])
    for bad, error in ((float('nan'), ValueError), (-1.0, ValueError),
                       ('0.5', TypeError)):
        with pytest.raises(error, match='loss_weight|weights'):
            ConfigurableDistiller(
                student_distill_layer=['linear'],
                teacher_distill_layer=['linear'],
                loss=[dict(type='KDLoss')],
                weights=[bad])


@pytest.mark.parametrize('aliases, key', [
    (('KDLoss', 'vanilla_kd'), 'loss_kd'),
    (('ChannelWiseDivergence', 'cwd'), 'loss_channelwisedivergence'),
    (('L2Loss', 'l2', 'FitNetLoss', 'fitnet'), 'loss_l2'),
])
def test_one_log_key_whichever_alias_built_the_loss(aliases, key):
    for alias in aliases:
        distiller = ConfigurableDistiller(
            student_distill_layer=['linear'],
            teacher_distill_layer=['linear'],
            loss=[dict(type=alias)])
        assert list(distiller.distill_losses) == [key], alias


def test_log_key_set_by_name():
    distiller = ConfigurableDistiller(
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='L2Loss', loss_name='loss_hint')])
    assert list(distiller.distill_losses) == ['loss_hint']


@MODELS.register_module()
class LabelCountLoss(nn.Module):
    """Takes ground truth from the batch's data samples."""

    def forward(self, student, teacher, labels):
        return student.sum() * 0 + float(len(labels))


def test_ground_truth_from_data_samples():
    from mmkd.structures import ClsDataSample
    student, teacher = nets()
    spec = dict(x=dict(type='ModuleOutputs', source='linear'))
    distiller = ConfigurableDistiller(
        student_recorders=spec,
        teacher_recorders=spec,
        distill_losses=dict(count=dict(type='LabelCountLoss')),
        loss_forward_mappings=dict(
            count=dict(
                student=dict(recorder='x', from_student=True),
                teacher=dict(recorder='x', from_student=False),
                labels=dict(data_samples='gt_label'))))
    distiller.prepare(student, teacher)
    x = torch.randn(3, 3, 32, 32)
    with distiller.teacher_recorders.recording(), torch.no_grad():
        teacher(x)
    with distiller.student_recorders.recording():
        student(x)
    samples = [ClsDataSample().set_gt_label(i) for i in range(3)]
    assert distiller.compute_distill_losses(samples)['count'].item() == 3
    with pytest.raises(ValueError, match=r'data_samples.gt_label.*\[0\]'):
        distiller.compute_distill_losses([ClsDataSample()] + samples[1:])


@MODELS.register_module()
class LabelSumLoss(nn.Module):
    """Declares the ground truth it takes; the distiller fills it in."""
    data_sample_inputs = dict(labels='gt_label', indices='sample_idx')

    def forward(self, student, teacher, labels, indices):
        from mmkd.models.losses.utils import batch_values
        n = student.size(0)
        return (
            student.sum() * 0 +
            batch_values('LabelSumLoss', 'labels', labels, n).sum() +
            100 * batch_values('LabelSumLoss', 'indices', indices, n).sum())


def test_declared_ground_truth_is_mapped_in_the_compact_form():
    from mmkd.structures import ClsDataSample
    student, teacher = nets()
    distiller = ConfigurableDistiller(
        student_distill_layer=['linear'],
        teacher_distill_layer=['linear'],
        loss=[dict(type='LabelSumLoss')])
    distiller.prepare(student, teacher)
    assert distiller.loss_forward_mappings['loss_labelsum']['labels'] == \
        dict(data_samples='gt_label')
    x = torch.randn(3, 3, 32, 32)
    with distiller.teacher_recorders.recording(), torch.no_grad():
        teacher(x)
    with distiller.student_recorders.recording():
        student(x)
    samples = [
        ClsDataSample(metainfo=dict(sample_idx=10 + i)).set_gt_label(i)
        for i in range(3)
    ]
    losses = distiller.compute_distill_losses(samples)
    assert losses['loss_labelsum'].item() == 0 + 1 + 2 + 100 * (10 + 11 + 12)
    with pytest.raises(ValueError, match='needs data_samples.gt_label'):
        distiller.compute_distill_losses(None)


def test_facade_passes_targets_and_indices():
    from mmkd import Distiller
    student, teacher = nets()
    distiller = Distiller(
        dict(
            student_model=student,
            teacher_model=teacher,
            student_distill_layer=['linear'],
            teacher_distill_layer=['linear'],
            loss=[dict(type='LabelSumLoss')],
            weights=[1.0],
            student_out_layer=[''],
            device='cpu'))
    out, loss = distiller(
        torch.randn(2, 3, 32, 32),
        targets=torch.tensor([3, 4]),
        indices=torch.tensor([5, 6]))
    assert out.shape == (2, 10)
    assert loss.item() == 7 + 100 * 11
    with pytest.raises(ValueError, match='needs data_samples.gt_label'):
        distiller(torch.randn(2, 3, 32, 32))


def test_compact_form_takes_recorder_configs_with_record_and_data_idx():
    """A compact layer can be a recorder config: here the input of the last
    block's ReLU on its second call (bn2 + shortcut, before activation)."""
    student, teacher = nets()
    layer = dict(
        type='ModuleInputs', source='layer3.0.relu', record_idx=1, data_idx=0)
    teacher_layer = dict(layer, source='layer3.1.relu')
    compact = ConfigurableDistiller(
        student_distill_layer=[layer],
        teacher_distill_layer=[teacher_layer],
        loss=[dict(type='L2Loss')])
    compact.prepare(student, teacher)
    assert compact.loss_forward_mappings['loss_l2']['student'] == dict(
        recorder='ModuleInputs:layer3.0.relu',
        from_student=True,
        record_idx=1,
        data_idx=0)
    captured = {}
    student.layer3[0].relu.register_forward_pre_hook(
        lambda m, args: captured.setdefault('s', []).append(args[0]))
    teacher.layer3[1].relu.register_forward_pre_hook(
        lambda m, args: captured.setdefault('t', []).append(args[0]))
    x = torch.randn(2, 3, 32, 32)
    loss = run_step(compact, student, teacher, x)['loss_l2']
    expected = MODELS.build(dict(type='L2Loss'))(captured['s'][1],
                                                 captured['t'][1])
    torch.testing.assert_close(loss, expected)
    with pytest.raises(TypeError, match=r'student_distill_layer\[0\]'):
        ConfigurableDistiller(
            student_distill_layer=[dict(type='ModuleInputs')],
            teacher_distill_layer=['layer3'],
            loss=[dict(type='L2Loss')])


def test_losses_compute_outside_the_autocast_of_the_forward():
    """Under --amp (autocast around the model's forward) a loss's own
    matmuls (NST's kernel) stay in float32: the same records give the same
    loss inside and outside autocast."""
    x = torch.randn(8, 3, 32, 32)
    student, teacher = nets()
    distiller = ConfigurableDistiller(
        student_distill_layer=['layer3'],
        teacher_distill_layer=['layer3'],
        loss=[dict(type='NSTLoss')],
        weights=[1.0])
    distiller.prepare(student, teacher)
    with distiller.teacher_recorders.recording(), torch.no_grad():
        teacher(x)
    with distiller.student_recorders.recording():
        student(x)
    plain = distiller.compute_distill_losses()['loss_nst']
    records = [
        next(iter(recorders.recorders.values())).data[0]
        for recorders in (distiller.student_recorders,
                          distiller.teacher_recorders)
    ]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        inside = distiller.compute_distill_losses()['loss_nst']
        reached = distiller.distill_losses['loss_nst'](*records)
    assert inside.dtype == torch.float32
    assert torch.equal(inside, plain)
    assert not torch.equal(reached, plain)  # autocast would change it


class OneArgumentConnector(nn.Module):
    """A plain module with forward(x): not a connector's signature."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(64, 64, 1)

    def forward(self, x):
        return self.proj(x)


class TwoArgumentConnector(OneArgumentConnector):

    def forward(self, x, reference=None):
        return self.proj(x)


def test_connector_signature_is_checked_when_the_distiller_is_built():
    cfg = dict(
        student_distill_layer=['layer3'],
        teacher_distill_layer=['layer3'],
        loss=[dict(type='fitnet')],
        weights=[1.0])
    with pytest.raises(TypeError) as err:
        ConfigurableDistiller(connectors=[OneArgumentConnector()], **cfg)
    message = str(err.value)
    for part in ("'connector_0' (connectors[0], OneArgumentConnector)",
                 'forward(x)', 'connector(feature, reference)',
                 'BaseConnector', 'reference=None', 'docs/distillation.md'):
        assert part in message, part
    with pytest.raises(TypeError, match=r"'adapt' \(OneArgumentConnector\)"):
        ConfigurableDistiller(
            student_recorders=dict(
                f=dict(type='ModuleOutputs', source='layer3')),
            teacher_recorders=dict(
                f=dict(type='ModuleOutputs', source='layer3')),
            connectors=dict(adapt=OneArgumentConnector()),
            distill_losses=dict(loss_l2=dict(type='L2Loss')),
            loss_forward_mappings=dict(
                loss_l2=dict(
                    student=dict(
                        recorder='f', from_student=True, connector='adapt'),
                    teacher=dict(recorder='f', from_student=False))))
    # a plain module that takes (feature, reference) works
    student, teacher = nets()
    distiller = ConfigurableDistiller(
        connectors=[TwoArgumentConnector()], **cfg)
    distiller.prepare(student, teacher)
    losses = run_step(distiller, student, teacher, torch.randn(2, 3, 32, 32))
    assert losses['loss_l2'] > 0
    distiller.teardown()
