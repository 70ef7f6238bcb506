"""Whole-model saves (``torch.save(model)``, as YOLOv5 saves) made while a
Distiller is attached carry nothing of mmkd."""
import copy
import os.path as osp
import subprocess
import sys

import torch
from yolo_shaped import TinyYOLO

from mmkd import Distiller

# loads the pickled models in a process where `import mmkd` fails
LOADER = r'''
import sys


class BlockMmkd:
    def find_spec(self, name, path=None, target=None):
        if name == 'mmkd' or name.startswith('mmkd.'):
            raise ModuleNotFoundError(f'No module named {name!r}')


sys.meta_path.insert(0, BlockMmkd())
sys.path.insert(0, sys.argv[1])
try:
    import mmkd  # noqa: F401
    raise SystemExit('mmkd is importable')
except ModuleNotFoundError:
    pass
import torch

torch.set_num_threads(1)  # as the test's process: the same kernels
folder = sys.argv[2]
images = torch.load(f'{folder}/images.pt')
for name in ('student', 'teacher'):
    model = torch.load(f'{folder}/{name}.pt', weights_only=False)
    for module_name, module in model.named_modules():
        attached = [d for d in ('_forward_hooks', '_forward_pre_hooks',
                                '_forward_hooks_with_kwargs')
                    if getattr(module, d)]
        attached += [a for a in ('__getstate__', 'forward')
                     if a in vars(module)]
        assert not attached, (name, module_name, attached)
    expected = torch.load(f'{folder}/{name}_out.pt')
    with torch.no_grad():
        out = model(images)
    out = out if name == 'student' else out[1]  # the teacher is in eval
    assert all(torch.equal(a, b) for a, b in zip(out, expected)), name
    assert len(list(model.state_dict())) == len(
        list(type(model)().state_dict())), name
print('loaded without mmkd')
'''


def _build():
    torch.manual_seed(0)
    student, teacher = TinyYOLO(width=4), TinyYOLO(width=8)
    distiller = Distiller(
        dict(
            student_model=student,
            teacher_model=teacher,
            # a forward hook, and a patched method (MethodOutputs)
            student_distill_layer=[
                'model.4',
                dict(type='MethodOutputs', source='model.3.forward')
            ],
            teacher_distill_layer=[
                'model.4',
                dict(type='MethodOutputs', source='model.3.forward')
            ],
            loss=[dict(type='YoloKDLoss', nc=3),
                  dict(type='fitnet')],
            connectors=[
                None,
                dict(type='ConvBNConnector', in_channels=32, out_channels=64)
            ],
            weights=[1.0, 0.5],
            student_out_layer=['model.4'],
            device='cpu'))
    return student, teacher, distiller


def test_whole_model_pickles_load_without_mmkd_and_without_hooks(tmp_path):
    student, teacher, distiller = _build()
    student_keys = list(TinyYOLO(width=4).state_dict())
    images = torch.rand(2, 3, 32, 32)
    raw, kd_loss = distiller.forward(images)  # plans the teacher's exit
    raw, kd_loss = distiller.forward(images)  # ... and stops it early
    assert kd_loss > 0
    # what the Distiller put there: the recorders and the teacher's stop
    assert student.model[4]._forward_hooks
    assert len(teacher.model[4]._forward_hooks) == 2
    assert 'forward' in vars(teacher.model[3])
    assert list(student.state_dict()) == student_keys  # state_dict clean
    torch.save(images, tmp_path / 'images.pt')
    with torch.no_grad():
        torch.save(list(student(images)), tmp_path / 'student_out.pt')
        torch.save(teacher(images)[1], tmp_path / 'teacher_out.pt')
    torch.save(student, tmp_path / 'student.pt')
    torch.save(teacher, tmp_path / 'teacher.pt')  # had a local closure
    for name in ('student', 'teacher'):
        assert b'mmkd' not in (tmp_path / f'{name}.pt').read_bytes()
    # the attached models are unchanged by being saved
    assert student.model[4]._forward_hooks
    assert 'forward' in vars(student.model[3])

    proc = subprocess.run(
        [sys.executable, '-c', LOADER,
         osp.dirname(__file__),
         str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'loaded without mmkd' in proc.stdout

    # an EMA-style deep copy does not bring the recorders along either
    ema = copy.deepcopy(student)
    assert not ema.model[4]._forward_hooks
    assert 'forward' not in vars(ema.model[3])
    distiller.teardown()
    for model in (student, teacher):
        for module in model.modules():
            assert not module._forward_hooks
            assert '__getstate__' not in vars(module)
            assert 'forward' not in vars(module)


def test_users_own_hooks_and_getstate_survive_the_distiller():
    student, teacher, distiller = _build()
    calls = []
    handle = student.model[4].register_forward_hook(
        lambda *args: calls.append(1))
    clone = copy.deepcopy(student)  # keeps the user's hook, not mmkd's
    assert list(clone.model[4]._forward_hooks) == [handle.id]
    distiller.teardown()
    assert list(student.model[4]._forward_hooks) == [handle.id]
