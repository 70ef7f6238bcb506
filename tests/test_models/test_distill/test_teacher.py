"""The frozen teacher component: early exit that never costs correctness,
strict loading from any source MMEngine reads, and the plain-PyTorch
Distiller on the same component."""
import functools
import http.server
import threading

import pytest
import torch
import torch.nn as nn

from mmkd import Distiller
from mmkd.models.recorders import RecorderManager
from mmkd.models.teacher import FrozenTeacher


class Chain(nn.Module):
    """Four linear layers; ``calls`` lists which ran."""

    def __init__(self, swallow=False):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(4, 4) for _ in range(4))
        self.calls = []
        self.swallow = swallow

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            self.calls.append(i)
            if self.swallow:
                try:  # model code that hides its own errors
                    x = layer(x)
                except Exception:  # noqa: BLE001
                    x = x * 0
            else:
                x = layer(x)
        return x


@pytest.mark.parametrize('swallow', [False, True])
def test_distiller_facade_stops_teacher_after_last_recorded_layer(swallow):
    torch.manual_seed(0)
    student, teacher = Chain(), Chain(swallow=swallow)
    distiller = Distiller(
        dict(
            student_model=student,
            teacher_model=teacher,
            student_distill_layer=['layers.1'],
            teacher_distill_layer=['layers.1'],
            loss=[dict(type='L2Loss')],
            weights=[1.0],
            student_out_layer=[''],
            device='cpu'))
    x = torch.randn(2, 4)
    for step in range(3):
        teacher.calls.clear()
        out, loss = distiller(x)
        expected = torch.mean((student.layers[1](student.layers[0](x)) -
                               teacher.layers[1](teacher.layers[0](x)))**2)
        assert torch.allclose(loss, expected)
        assert out.shape == (2, 4)
        # the first step plans the stop on a full forward; then layers 2
        # and 3 never run, even in model code that catches Exception
        assert teacher.calls == ([0, 1, 2, 3] if step == 0 else [0, 1])
    distiller.teardown()
    assert not student.layers[1]._forward_hooks
    assert not teacher.layers[1]._forward_hooks


def test_early_exit_counts_calls_of_a_module_run_twice():

    class Twice(nn.Module):

        def __init__(self):
            super().__init__()
            self.shared, self.tail = nn.Linear(3, 3), nn.Linear(3, 3)
            self.tail_runs = 0

        def forward(self, x):
            x = self.shared(self.shared(x))
            self.tail_runs += 1
            return self.tail(x)

    model = Twice()
    recorders = RecorderManager(
        dict(s=dict(type='ModuleOutputs', source='shared')))
    recorders.initialize(model, 'teacher')
    teacher = FrozenTeacher(model, ckpt_optional=True)
    teacher.attach(recorders, dict(s=2))
    for _ in range(3):
        teacher.run(lambda t: t(torch.randn(1, 3)))
        assert len(recorders['s'].data) == 2
        recorders.reset()
    assert model.tail_runs == 1  # only the planning forward reached it


def test_a_step_that_records_less_than_the_losses_read_names_the_recorder():
    model = Chain()
    recorders = RecorderManager(
        dict(feat=dict(type='ModuleOutputs', source='layers.2')))
    recorders.initialize(model, 'teacher')
    teacher = FrozenTeacher(model, ckpt_optional=True, early_exit=False)
    teacher.attach(recorders, dict(feat=2))  # layers.2 runs once
    with pytest.raises(RuntimeError, match=r"'feat'.*'layers.2'.*recorded 1"):
        teacher.run(lambda t: t(torch.randn(1, 4)))


@pytest.fixture
def http_dir(tmp_path, monkeypatch):
    """A folder served over http on 127.0.0.1; torch's hub cache in
    tmp_path."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    served = tmp_path / 'served'
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()


def test_teacher_checkpoint_over_http_loads_strictly(http_dir):
    served, url = http_dir
    torch.manual_seed(1)
    trained = Chain()
    torch.save(dict(state_dict=trained.state_dict()), served / 'good.pth')
    bad = nn.Sequential(nn.Linear(4, 4))
    torch.save(dict(state_dict=bad.state_dict()), served / 'bad.pth')

    teacher = FrozenTeacher(Chain(), ckpt=f'{url}/good.pth')
    for key, value in trained.state_dict().items():
        assert torch.equal(teacher.model.state_dict()[key], value), key
    assert not any(p.requires_grad for p in teacher.model.parameters())

    with pytest.raises(RuntimeError) as info:
        FrozenTeacher(Chain(), ckpt=f'{url}/bad.pth')
    message = str(info.value)
    assert 'missing keys: layers.0.bias' in message
    assert 'unexpected keys: 0.bias, 0.weight' in message


def test_missing_local_teacher_checkpoint_names_the_file(tmp_path):
    path = tmp_path / 'nope.pth'
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        FrozenTeacher(Chain(), ckpt=str(path))


def test_truncated_teacher_checkpoint_names_the_file(tmp_path):
    good = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=Chain().state_dict()), good)
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(RuntimeError) as info:
        FrozenTeacher(Chain(), ckpt=str(cut))
    assert f"teacher_ckpt '{cut}' is truncated" in str(info.value)


def test_a_teacher_the_losses_read_nothing_from_never_runs():
    model = Chain()
    teacher = FrozenTeacher(model, ckpt_optional=True)
    teacher.attach(RecorderManager(), {})
    teacher.run(lambda t: t(torch.randn(1, 4)))
    assert model.calls == []


def chain_teacher(**kwargs):
    model = Chain()
    recorders = RecorderManager(
        dict(feat=dict(type='ModuleOutputs', source='layers.1')))
    recorders.initialize(model, 'teacher')
    teacher = FrozenTeacher(model, ckpt_optional=True, **kwargs)
    teacher.attach(recorders, dict(feat=1))
    return model, recorders, teacher


def test_a_suspended_plan_lets_the_teacher_run_in_full_and_keeps_the_plan():
    model, recorders, teacher = chain_teacher()

    def run():
        model.calls.clear()
        teacher.run(lambda t: t(torch.randn(1, 4)))
        recorders.reset()
        return list(model.calls)

    assert run() == [0, 1, 2, 3]  # plans the stop
    assert run() == [0, 1]
    with teacher.planner.suspended():
        assert run() == [0, 1, 2, 3]
    assert run() == [0, 1]


def test_the_planning_forward_runs_in_float32_later_ones_in_bf16():
    model, recorders, teacher = chain_teacher(execution=dict(precision='bf16'))
    dtypes = []
    model.layers[1].register_forward_hook(
        lambda mod, inp, out: dtypes.append(out.dtype))
    for _ in range(2):
        teacher.run(lambda t: t(torch.randn(1, 4)))
        assert recorders['feat'].data[0].dtype == torch.float32  # restored
        recorders.reset()
    assert dtypes == [torch.float32, torch.bfloat16]


def test_an_op_without_a_low_precision_kernel_is_named_with_the_option():

    class NoBF16(nn.Module):

        def forward(self, x):
            if x.dtype == torch.bfloat16:
                raise RuntimeError('expected scalar type Float but found '
                                   'BFloat16')
            return x

    model = nn.Sequential(nn.Linear(4, 4), NoBF16())
    recorders = RecorderManager(
        dict(out=dict(type='ModuleOutputs', source='1')))
    recorders.initialize(model, 'teacher')
    teacher = FrozenTeacher(
        model,
        ckpt_optional=True,
        early_exit=False,
        execution=dict(precision='bf16'))
    teacher.attach(recorders, dict(out=1))
    with pytest.raises(
            RuntimeError,
            match='teacher failed under bf16 autocast: expected '
            r'scalar type Float.*teacher_execution') as info:
        teacher.run(lambda t: t(torch.randn(1, 4)))
    assert 'expected scalar type' in str(info.value.__cause__)
