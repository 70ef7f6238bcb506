"""DAFLDistill: the generator and the student train, the teacher stays
frozen, no real training image is read, and what is saved."""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from beyond_utils import REPO, save_teacher, simple_cnn
from mmengine.optim import OptimWrapperDict, build_optim_wrapper

from mmkd.registry import MODELS

sys.path.insert(0, osp.join(REPO, 'tools', 'model_converters'))
from export_student import export_student  # noqa: E402

TEACHER = simple_cnn(16, 3)
OPTIM = dict(
    constructor='PerModuleOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
    architecture=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)))


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory):
    return save_teacher(TEACHER, tmp_path_factory.mktemp('t') / 't.pth')


def build(ckpt, **kwargs):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='DAFLDistill',
            architecture=simple_cnn(8, 2),
            teacher=TEACHER,
            teacher_ckpt=ckpt,
            generator=dict(
                type='DAFLGenerator', latent_dim=16, img_size=8, channels=1),
            batch_size=8,
            **kwargs))


class Poison(dict):
    """A batch that fails if anything reads it."""

    def __getitem__(self, key):
        raise AssertionError('DAFL read the training batch')

    get = items = keys = values = __iter__ = __getitem__


def test_generator_and_student_train_teacher_stays_frozen(ckpt):
    algo = build(ckpt).train()
    wrapper = build_optim_wrapper(algo, OPTIM)
    assert isinstance(wrapper, OptimWrapperDict)
    own = {id(p) for p in algo.parameters()}
    assert not own & {id(p) for p in algo.teacher.parameters()}
    assert not algo.teacher.training
    teacher_before = {
        k: v.clone()
        for k, v in algo.teacher.state_dict().items()
    }
    gen_before = {k: v.clone() for k, v in algo.generator.state_dict().items()}
    student_before = {
        k: v.clone()
        for k, v in algo.architecture.state_dict().items()
    }
    for _ in range(2):
        logs = algo.train_step(Poison(), wrapper)
    assert set(logs) == {
        'gen.loss_one_hot', 'gen.loss_activation', 'gen.loss_entropy',
        'distill.loss_kd', 'loss'
    }
    assert int(algo.num_steps) == 2
    for key, value in algo.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
    assert any(not torch.equal(v, gen_before[k])
               for k, v in algo.generator.state_dict().items())
    assert any(not torch.equal(v, student_before[k])
               for k, v in algo.architecture.state_dict().items())


def test_losses_follow_the_formula(ckpt):
    algo = build(
        ckpt, one_hot_weight=0.5, activation_weight=0.2, entropy_weight=3.0)
    logits, feature = torch.randn(6, 10), torch.randn(6, 16)
    losses = algo.generator_losses(logits, feature)
    p = F.softmax(logits, 1).mean(0)
    torch.testing.assert_close(losses['gen.loss_one_hot'],
                               0.5 * F.cross_entropy(logits, logits.argmax(1)))
    torch.testing.assert_close(losses['gen.loss_activation'],
                               -0.2 * feature.abs().mean())
    torch.testing.assert_close(losses['gen.loss_entropy'],
                               3.0 * (p * p.log10()).sum())
    # the teacher's feature is its classifier's input, with gradients to
    # the images
    images = torch.randn(3, 1, 8, 8, requires_grad=True)
    t_logits, t_feature = algo.run_teacher(images)
    assert t_feature.shape == (3, 16)
    torch.testing.assert_close(algo.teacher.linear(t_feature), t_logits)
    t_logits.sum().backward()
    assert images.grad.abs().sum() > 0


def test_noise_is_the_same_for_any_world_size_and_resumes(ckpt):
    algo = build(ckpt)
    first = algo.sample_noise()
    again = build(ckpt)
    again.load_state_dict(algo.state_dict())  # seed and step come back
    second, resumed = algo.sample_noise(), again.sample_noise()
    assert torch.equal(second, resumed) and not torch.equal(first, second)
    assert first.shape == (8, 16)


def test_saved_and_exported(ckpt, tmp_path):
    algo = build(ckpt)
    keys = algo.state_dict().keys()
    assert any(k.startswith('generator.') for k in keys)
    assert not any(k.startswith('teacher') for k in keys)
    path = tmp_path / 'epoch_1.pth'
    torch.save(dict(meta={}, state_dict=algo.state_dict()), path)
    export_student(str(path), str(tmp_path / 'student.pth'))
    exported = torch.load(tmp_path / 'student.pth')['state_dict']
    assert exported.keys() == MODELS.build(simple_cnn(8,
                                                      2)).state_dict().keys()


def test_optimizer_configuration_errors(ckpt):
    algo = build(ckpt)
    with pytest.raises(ValueError, match='in none of them'):
        build_optim_wrapper(
            algo,
            dict(
                constructor='PerModuleOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='SGD', lr=0.1))))
    with pytest.raises(KeyError, match="no module 'student'"):
        build_optim_wrapper(
            algo,
            dict(
                constructor='PerModuleOptimWrapperConstructor',
                student=dict(optimizer=dict(type='SGD', lr=0.1))))
    single = build_optim_wrapper(algo,
                                 dict(optimizer=dict(type='SGD', lr=0.1)))
    with pytest.raises(TypeError, match='PerModuleOptimWrapperConstructor'):
        algo.train_step({}, single)


@pytest.mark.parametrize('part,loss', [('generator', 'gen.loss_entropy'),
                                       ('architecture', 'distill.loss_kd')])
def test_first_non_finite_loss_of_either_optimizer_stops_the_run(
        part, loss, tmp_path):
    """FiniteLossHook watches both of DAFL's optimizers: the run stops at
    the first non-finite loss, naming it and the iteration, before that
    part is stepped."""
    from beyond_utils import short_cfg, teacher_ckpts
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from mmkd.engine.hooks import NonFiniteLossError

    class Poisoned(Hook):
        """From iteration 3 on, one of the two losses is NaN."""

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if runner.iter == 2:
                model = runner.model
                if part == 'generator':
                    model.weights['entropy'] = float('nan')
                else:
                    model.kd_loss.loss_weight = float('nan')
                self.before = {
                    k: v.detach().clone()
                    for k, v in getattr(model, part).named_parameters()
                }

    cfg = short_cfg(
        'dafl',
        tmp_path,
        teacher_ckpts(str(tmp_path)),
        samples=16,
        batch=4,
        epochs=2)
    cfg.custom_hooks = [dict(type='mmkd.FiniteLossHook')]
    runner = Runner.from_cfg(cfg)
    poisoned = Poisoned()
    runner.register_hook(poisoned)
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    message = str(info.value)
    assert 'iteration 3 (epoch 1)' in message and f'{loss}=nan' in message
    after = dict(getattr(runner.model, part).named_parameters())
    for key, value in poisoned.before.items():  # the NaN step was not taken
        assert torch.equal(after[key], value), key
