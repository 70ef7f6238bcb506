import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.models.recorders import (FunctionOutputs, MethodOutputs,
                                   ModuleInputs, ModuleOutputs,
                                   RecorderManager)


class Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 1)
        self.head = nn.Linear(2, 3)

    def pooled(self, x):
        return x.mean(dim=(2, 3))

    def forward(self, x):
        x = F.relu(self.conv(x))
        return self.head(self.pooled(x))


def test_module_outputs_and_inputs_only_while_recording():
    net = Net()
    outs, ins = ModuleOutputs('conv'), ModuleInputs('head')
    manager = RecorderManager(dict(o=outs, i=ins))
    manager.initialize(net, 'student')
    x = torch.randn(2, 1, 4, 4)
    net(x)
    assert outs.data == [] and ins.data == []
    with manager.recording():
        net(x)
    assert outs.get_record_data().shape == (2, 2, 4, 4)
    assert ins.get_record_data(data_idx=0).shape == (2, 2)
    manager.reset()
    assert outs.data == [] and ins.data == []
    with pytest.raises(IndexError, match='recorded 0 call'):
        outs.get_record_data()


def test_method_outputs_patch_only_one_instance():
    student, teacher = Net(), Net()
    rec = MethodOutputs('pooled')
    rec.initialize(student, 'student')
    rec.recording = True
    teacher(torch.randn(1, 1, 2, 2))
    assert rec.data == []
    student(torch.randn(1, 1, 2, 2))
    assert len(rec.data) == 1 and rec.data[0].shape == (1, 2)
    with pytest.raises(AttributeError, match="no method 'nope'"):
        MethodOutputs('head.nope').initialize(student, 'student')


def test_function_outputs_records_module_level_function():
    original = F.relu
    rec = FunctionOutputs('torch.nn.functional.relu')
    rec.initialize(None, 'student')
    try:
        rec.recording = True
        Net()(torch.randn(1, 1, 2, 2))
        assert len(rec.data) == 1 and rec.data[0].shape == (1, 2, 2, 2)
    finally:
        rec.teardown()
    assert F.relu is original
    with pytest.raises(ImportError, match='cannot import'):
        FunctionOutputs('no_such_pkg.fn').initialize(None, 'student')


@pytest.mark.parametrize('first', [0, 1])
def test_two_recorders_of_one_function_torn_down_in_any_order(first):
    original = F.relu
    recs = [FunctionOutputs('torch.nn.functional.relu') for _ in range(2)]
    for rec in recs:
        rec.initialize(None, 'student')
        rec.recording = True
    Net()(torch.randn(1, 1, 2, 2))
    assert [len(r.data) for r in recs] == [1, 1]
    recs[first].teardown()
    Net()(torch.randn(1, 1, 2, 2))
    assert len(recs[1 - first].data) == 2  # still recording
    assert F.relu is not original
    recs[1 - first].teardown()
    assert F.relu is original


def test_teardown_restores_methods_and_removes_hooks():
    net = Net()
    manager = RecorderManager(
        dict(
            o=dict(type='ModuleOutputs', source='conv'),
            m=dict(type='MethodOutputs', source='pooled'),
            m2=dict(type='MethodOutputs', source='pooled')))
    manager.initialize(net, 'student')
    assert 'pooled' in vars(net) and net.conv._forward_hooks
    manager.teardown()
    assert 'pooled' not in vars(net) and not net.conv._forward_hooks
    # a torn-down recorder can be attached again
    manager.initialize(net, 'student')
    with manager.recording():
        net(torch.randn(1, 1, 2, 2))
    assert len(manager['m'].data) == 1 and len(manager['m2'].data) == 1
    manager.teardown()


def test_two_distillers_on_the_same_function_build_and_tear_down():
    from mmkd.models.distillers import ConfigurableDistiller
    original = F.relu
    cfg = dict(
        student_distill_layer=[
            dict(type='FunctionOutputs', source='torch.nn.functional.relu')
        ],
        teacher_distill_layer=['conv'],
        loss=[dict(type='L2Loss')])
    student, teacher = Net(), Net()
    first, second = ConfigurableDistiller(**cfg), ConfigurableDistiller(**cfg)
    first.prepare(student, teacher)
    second.prepare(student, teacher)
    for distiller in (first, second):
        with distiller.student_recorders.recording(), \
                distiller.teacher_recorders.recording():
            student(torch.randn(1, 1, 2, 2))
            teacher(torch.randn(1, 1, 2, 2))
        losses = distiller.compute_distill_losses()
        assert torch.isfinite(losses['loss_l2'])
        distiller.reset()
    first.teardown()
    second.teardown()
    assert F.relu is original
    assert not teacher.conv._forward_hooks


def test_recorders_of_several_teachers():
    nets = dict(t1=Net(), t2=Net())
    manager = RecorderManager(
        dict(
            a=dict(type='ModuleOutputs', source='conv', teacher='t1'),
            b=dict(type='ModuleOutputs', source='head', teacher='t2')))
    manager.initialize(nets, 'teacher')
    assert list(manager.subset('t1')) == ['a']
    assert manager['a'].module is nets['t1'].conv
    assert manager['b'].module is nets['t2'].head
    manager.teardown()
    with pytest.raises(
            KeyError, match=r"teacher 'resnet65'.*did you mean 'resnet56'"):
        RecorderManager(
            dict(
                a=dict(
                    type='ModuleOutputs', source='conv',
                    teacher='resnet65'))).initialize(
                        dict(resnet56=Net()), 'teacher')
    with pytest.raises(KeyError, match='there is one teacher'):
        RecorderManager(
            dict(a=dict(type='ModuleOutputs', source='conv',
                        teacher='t1'))).initialize(Net(), 'teacher')


class YOLOv5Shaped(nn.Module):
    """YOLOv5s's layout: ``model.0`` .. ``model.23``, then Detect at
    ``model.24``."""

    class Detect(nn.Module):

        def __init__(self):
            super().__init__()
            self.m = nn.ModuleList(nn.Conv2d(1, 8, 1) for _ in range(3))

    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(*[nn.Identity() for _ in range(24)],
                                   self.Detect())


def test_a_missing_numbered_layer_suggests_the_last_one_first():
    from mmkd.models.recorders import LayerNotFoundError, resolve_module

    # YOLOv7-tiny's detect layer asked of YOLOv5s: its Detect comes first
    with pytest.raises(LayerNotFoundError) as err:
        resolve_module(YOLOv5Shaped(), 'model.77', 'student')
    message = str(err.value)
    assert "Did you mean 'model.24', " in message
    assert "'model' numbers its layers 'model.0' to 'model.24'; the last " \
        "is 'model.24' (Detect)." in message
    # with a wrapper's 'module.' prefix too, and inside the head
    with pytest.raises(LayerNotFoundError, match="Did you mean 'model.24'"):
        resolve_module(
            nn.parallel.DataParallel(YOLOv5Shaped()), 'module.model.77',
            'teacher')
    with pytest.raises(
            LayerNotFoundError, match=r"Did you mean 'model\.24\.m\.2'"):
        resolve_module(YOLOv5Shaped(), 'model.24.m.3', 'student')
    # a name that is no index keeps the close-name suggestions alone
    with pytest.raises(LayerNotFoundError) as err:
        resolve_module(Net(), 'haed', 'student')
    assert "Did you mean 'head'?" in str(err.value)
    assert 'numbers its layers' not in str(err.value)
