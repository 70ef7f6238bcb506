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
    rec = FunctionOutputs('torch.nn.functional.relu')
    rec.initialize(None, 'student')
    try:
        rec.recording = True
        Net()(torch.randn(1, 1, 2, 2))
        assert len(rec.data) == 1 and rec.data[0].shape == (1, 2, 2, 2)
    finally:
        F.relu = rec.original
    with pytest.raises(ImportError, match='cannot import'):
        FunctionOutputs('no_such_pkg.fn').initialize(None, 'student')
