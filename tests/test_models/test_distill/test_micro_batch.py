"""The teacher on micro-batches: records joined along the batch, clear
errors where they cannot be."""
from collections import namedtuple

import pytest
import torch
import torch.nn as nn
from numeric import assert_reordered_close, float64

from mmkd.models.recorders import RecorderManager
from mmkd.models.teacher import BatchCall, FrozenTeacher, TeacherExecution
from mmkd.models.teacher.execution import join_batches

pytestmark = pytest.mark.numeric

Pair = namedtuple('Pair', 'a b')


def test_join_batches_concatenates_tensors_in_nested_records():
    parts = [(torch.full((2, 3), float(i)), [torch.full(
        (2, 1), float(i))], dict(x=torch.full((2, ), float(i)),
                                 n=4), Pair(torch.ones(2), torch.zeros(2)))
             for i in range(3)]
    joined = join_batches(parts)
    assert joined[0].shape == (6, 3)
    assert joined[0][:, 0].tolist() == [0, 0, 1, 1, 2, 2]
    assert joined[1][0].shape == (6, 1)
    assert joined[2]['x'].shape == (6, ) and joined[2]['n'] == 4
    assert isinstance(joined[3], Pair) and joined[3].a.shape == (6, )


def test_join_batches_names_what_cannot_be_joined():
    with pytest.raises(ValueError, match=r"record\[1\] \(int\) differs"):
        join_batches([(torch.ones(1), 1), (torch.ones(1), 2)])
    with pytest.raises(ValueError, match=r"record\['loss'\] is a scalar"):
        join_batches([dict(loss=torch.tensor(1.0))] * 2)


def test_micro_batch_must_be_a_positive_int():
    for bad in (0, -2, 2.5, True, '4'):
        with pytest.raises(ValueError, match='micro_batch must be a positive'):
            TeacherExecution(micro_batch=bad)


def test_batch_call_splits_inputs_and_data_samples_alike():
    seen = []
    model = lambda x, samples, mode: seen.append((x.shape[0], samples, mode))
    call = BatchCall(torch.zeros(5, 2), list('abcde'), 'tensor')
    for part in call.split(2):
        part(model)
    assert seen == [(2, list('ab'), 'tensor'), (2, list('cd'), 'tensor'),
                    (1, ['e'], 'tensor')]
    with pytest.raises(TypeError, match='one batched tensor, got list'):
        BatchCall([torch.zeros(2)]).split(1)
    with pytest.raises(ValueError, match='3 data samples for a batch of 5'):
        BatchCall(torch.zeros(5, 2), [1, 2, 3]).split(2)


class Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        self.batch_sizes = []

    def forward(self, x, data_samples=None, mode='tensor'):
        self.batch_sizes.append(x.shape[0])
        return self.body(x)


def teacher(micro_batch):
    torch.manual_seed(0)
    model = Net()
    recorders = RecorderManager(
        dict(
            hidden=dict(type='ModuleOutputs', source='body.1'),
            out=dict(type='ModuleOutputs', source='body.2')))
    recorders.initialize(model, 'teacher')
    frozen = FrozenTeacher(
        model, ckpt_optional=True, execution=dict(micro_batch=micro_batch))
    frozen.attach(recorders, dict(hidden=1, out=1))
    return model, recorders, frozen


def whole_and_parts(x, micro_batch=3):
    """The records of the whole batch ``x`` and of its micro-batches."""
    _, whole, frozen = teacher(None)
    frozen.run(BatchCall(x))
    model, parts, chunked = teacher(micro_batch)
    chunked.run(BatchCall(x))
    return whole, parts, model.batch_sizes


def assert_same_records(parts, whole):
    for name in ('hidden', 'out'):
        assert len(parts[name].data) == 1
        assert_reordered_close(
            parts[name].data[0], whole[name].data[0], name=name)


def test_micro_batches_give_the_whole_batch_records():
    """In float64: a matrix product over 3 rows may add in another order
    than over 7. Planted error it catches: the parts joined in another
    order (test below)."""
    with float64():
        x = torch.randn(7, 4)
        whole, parts, batch_sizes = whole_and_parts(x)
    assert batch_sizes == [3, 3, 1]
    assert_same_records(parts, whole)


def test_the_record_comparison_catches_parts_joined_out_of_order(monkeypatch):
    import mmkd.models.teacher.frozen_teacher as frozen_teacher
    monkeypatch.setattr(
        frozen_teacher, 'join_batches',
        lambda parts, *args: join_batches(list(reversed(parts)), *args))
    with float64():
        whole, parts, _ = whole_and_parts(torch.randn(7, 4))
    with pytest.raises(AssertionError, match='max abs error'):
        assert_same_records(parts, whole)


def test_micro_batch_with_a_plain_teacher_call_is_refused():
    _, _, frozen = teacher(2)
    with pytest.raises(
            TypeError,
            match='micro_batch is set, but this '
            'algorithm runs the teacher through a plain function'):
        frozen.run(lambda m: m(torch.randn(4, 4)))


def test_micro_batches_recording_unequal_counts_name_the_recorder():

    class Varying(Net):

        def forward(self, x, data_samples=None, mode='tensor'):
            out = self.body(x)
            if x.shape[0] == 1:  # a data-dependent extra call
                self.body[2](self.body[1](self.body[0](x)))
            return out

    torch.manual_seed(0)
    model = Varying()
    recorders = RecorderManager(
        dict(out=dict(type='ModuleOutputs', source='body.2')))
    recorders.initialize(model, 'teacher')
    frozen = FrozenTeacher(
        model,
        ckpt_optional=True,
        early_exit=False,
        execution=dict(micro_batch=2))
    frozen.attach(recorders, dict(out=1))
    with pytest.raises(
            ValueError,
            match=r"'out' recorded \[1, 2\] times on the "
            'micro-batches of 2'):
        frozen.run(BatchCall(torch.randn(3, 4)))
