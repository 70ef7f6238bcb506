"""The seed toolkit's dict config, unchanged, on mmkd's CIFAR ResNets."""
import gc

import pytest
import torch
import torch.nn as nn

import mmkd
from mmkd import Distiller
from mmkd.models import LayerNotFoundError
from mmkd.models.classifiers import CIFARResNet
from mmkd.registry import MODELS


def resnet(name):
    return MODELS.build(dict(type=name, num_classes=100))


def seed_config(method, student, teacher, device='cpu'):
    """The README snippets of the seed toolkit
    (docs/migrating_from_seed.md)."""
    if method == 'kd':
        return {
            'student_model': student,
            'teacher_model': teacher,
            'student_distill_layer': ['linear'],
            'teacher_distill_layer': ['linear'],
            'loss': [dict(type='vanilla_kd', T=4)],
            'weights': [0.2],
            'student_out_layer': ['linear'],
            'device': device,
        }
    if method == 'vid':
        return {
            'student_model':
            student,
            'teacher_model':
            teacher,
            'student_distill_layer': ['layer1', 'layer2', 'layer3'],
            'teacher_distill_layer': ['layer1', 'layer2', 'layer3'],
            'loss': [
                dict(
                    type='vid',
                    inC=16,
                    midC=16,
                    outC=16,
                    init_pred_var=5.0,
                    eps=1e-5),
                dict(
                    type='vid',
                    inC=32,
                    midC=32,
                    outC=32,
                    init_pred_var=5.0,
                    eps=1e-5),
                dict(
                    type='vid',
                    inC=64,
                    midC=64,
                    outC=64,
                    init_pred_var=5.0,
                    eps=1e-5),
            ],
            'weights': [1, 1, 1],
            'student_out_layer': ['linear'],
            'device':
            device,
        }
    return {
        'student_model': student,
        'teacher_model': teacher,
        'student_distill_layer': ['layer2', 'layer3', 'linear'],
        'teacher_distill_layer': ['layer2', 'layer3', 'linear'],
        'loss': [dict(type='irg', vert=0.1, edge=5.0, tran=5.0)],
        'weights': [1.0],
        'student_out_layer': ['linear'],
        'device': device,
    }


# the VID snippet's channels are resnet20's, so it runs on that pair only
@pytest.mark.parametrize('method,pair', [
    ('kd', ('resnet20', 'resnet56')),
    ('vid', ('resnet20', 'resnet56')),
    ('irg', ('resnet20', 'resnet56')),
    ('kd', ('resnet8x4', 'resnet32x4')),
    ('irg', ('resnet8x4', 'resnet32x4')),
])
def test_seed_snippets_train(method, pair):
    torch.manual_seed(0)
    student, teacher = resnet(pair[0]), resnet(pair[1])
    distiller = Distiller(seed_config(method, student, teacher))
    optimizer = torch.optim.SGD(
        distiller.get_learnable_params(),
        lr=0.01,
        momentum=0.9,
        weight_decay=5e-4)
    criterion = nn.CrossEntropyLoss()
    data, target = torch.randn(8, 3, 32, 32), torch.randint(0, 100, (8, ))
    output, kd_loss = distiller.forward(data)
    assert torch.isfinite(kd_loss) and kd_loss.item() > 0
    loss = criterion(output, target) + kd_loss
    optimizer.zero_grad()
    loss.backward()
    assert student.conv1.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in teacher.parameters())
    if method == 'vid':
        vid = distiller.distiller.distill_losses['loss_vid_0']
        assert vid.alpha.grad.abs().sum() > 0
        learnable = {id(p) for p in distiller.get_learnable_params()}
        assert id(vid.alpha) in learnable
    optimizer.step()


def test_output_is_the_students_own_forward_and_teacher_stays_frozen():
    student, teacher = resnet('resnet20'), resnet('resnet56')
    distiller = Distiller(seed_config('kd', student, teacher))
    distiller.train()
    assert not teacher.training
    x = torch.randn(4, 3, 32, 32)
    student.eval()
    output, _ = distiller.forward(x)
    with torch.no_grad():
        assert torch.allclose(output, student(x))
    keys = distiller.state_dict().keys()
    assert keys and all(k.startswith(('student.', 'distiller.')) for k in keys)
    assert mmkd.apis.Distiller is Distiller


def test_no_memory_growth_over_100_steps():
    student, teacher = resnet('resnet8'), resnet('resnet14')
    distiller = Distiller(seed_config('irg', student, teacher))
    x = torch.randn(2, 3, 16, 16)  # small: the loop, not the size, matters

    def live_tensors():
        gc.collect()
        return sum(1 for o in gc.get_objects() if torch.is_tensor(o))

    output, loss = distiller.forward(x)
    del output, loss
    start = live_tensors()
    for _ in range(100):
        output, loss = distiller.forward(x)
        loss.backward()
        del output, loss
    assert live_tensors() <= start


def test_custom_registered_loss_by_name():

    @MODELS.register_module(force=True)
    class FacadeMSE(nn.Module):

        def __init__(self, loss_weight=1.0):
            super().__init__()
            self.loss_weight = loss_weight

        def forward(self, student, teacher):
            return self.loss_weight * ((student - teacher)**2).mean()

    student, teacher = resnet('resnet8'), resnet('resnet14')
    config = seed_config('kd', student, teacher)
    config['loss'] = [dict(type='FacadeMSE')]
    _, loss = Distiller(config).forward(torch.randn(2, 3, 32, 32))
    assert torch.isfinite(loss)


def test_bad_configs_fail_before_the_first_step():
    student, teacher = resnet('resnet8'), resnet('resnet14')
    config = seed_config('kd', student, teacher)

    bad = dict(config, student_distill_layer=['layer1', 'layer2'])
    with pytest.raises(ValueError, match='student_distill_layer has 2'):
        Distiller(bad)
    bad = dict(config, weights=[0.2, 0.8])
    with pytest.raises(ValueError, match='weights has 2 values'):
        Distiller(bad)
    bad = dict(config, loss=[dict(type='vanila_kd', T=4)])
    with pytest.raises(KeyError, match='Known losses:.*vanilla_kd'):
        Distiller(bad)
    bad = dict(config, student_distill_layer=['linaer'])
    with pytest.raises(LayerNotFoundError, match="Did you mean 'linear'"):
        Distiller(bad)
    bad = dict(config)
    del bad['student_out_layer']
    with pytest.raises(KeyError, match=r"missing \['student_out_layer'\]"):
        Distiller(bad)
    bad = dict(config, student_out_layer=['fc'])
    with pytest.raises(LayerNotFoundError, match='student_out_layer'):
        Distiller(bad)
    bad = dict(config, wieghts=[0.2])
    with pytest.raises(KeyError, match="did you mean 'weights'"):
        Distiller(bad)
    bad = dict(config, teacher_model=resnet('resnet14').to('meta'))
    with pytest.raises(
            ValueError,
            match='student_model is on cpu but '
            'teacher_model is on meta'):
        Distiller(bad)


def test_show_nets_mark_distilled_layers(capsys):
    student, teacher = resnet('resnet8'), resnet('resnet14')
    distiller = Distiller(seed_config('irg', student, teacher))
    distiller.show_student_net()
    distiller.show_teacher_net()
    out = capsys.readouterr().out
    assert 'Student (CIFARResNet' in out and 'Teacher (CIFARResNet' in out
    assert 'layer3: Sequential  <- distilled' in out
    assert isinstance(student, CIFARResNet)


def test_autocast_inputs():
    student, teacher = resnet('resnet8'), resnet('resnet14')
    distiller = Distiller(seed_config('vid', student, teacher))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        output, loss = distiller.forward(torch.randn(2, 3, 32, 32))
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    assert student.conv1.weight.grad is not None


def test_use_wrapped_student_takes_only_a_wrapper_of_the_student():
    student, teacher = resnet('resnet20'), resnet('resnet56')
    distiller = Distiller(seed_config('kd', student, teacher))
    with pytest.raises(TypeError, match='no model wrapper'):
        distiller.use_wrapped_student(student)
    other = nn.DataParallel(resnet('resnet20'))
    with pytest.raises(ValueError, match='not the Distiller.s student'):
        distiller.use_wrapped_student(other)
    wrapper = nn.DataParallel(student)
    calls = []
    wrapper.register_forward_pre_hook(lambda *args: calls.append(1))
    keys = list(distiller.state_dict())
    distiller.use_wrapped_student(wrapper)
    assert list(distiller.state_dict()) == keys  # checkpoints keep keys
    output, kd_loss = distiller.forward(torch.randn(2, 3, 32, 32))
    assert output.shape == (2, 100) and kd_loss > 0
    assert calls == [1]  # the forward went through the wrapper
    distiller.teardown()
