"""AdversarialDataFreeDistill (DFAD, ZSKT): the losses against hand-written
formulas, the signs of the two players, the step schedule, the generators,
and a loud stop on NaN."""
import pytest
import torch
import torch.nn.functional as F
from beyond_utils import save_teacher, simple_cnn
from mmengine.optim import build_optim_wrapper

from mmkd.registry import MODELS

TEACHER = simple_cnn(16, 3)
LOGITS = dict(
    student_distill_layer=['linear'], teacher_distill_layer=['linear'])


def distiller(*losses, layers=LOGITS):
    return dict(type='ConfigurableDistiller', loss=list(losses), **layers)


DFAD = dict(
    generator=dict(
        type='DAFLGenerator',
        latent_dim=16,
        img_size=8,
        channels=1,
        bn_eps=1e-5),
    distiller=distiller(dict(type='L1Discrepancy')),
    generator_distiller=distiller(dict(type='L1Discrepancy')),
    student_steps=5,
    student_first=True,
    same_noise=False)
AT = dict(
    student_distill_layer=['linear', 'layer1', 'layer2'],
    teacher_distill_layer=['linear', 'layer1', 'layer2'])
ZSKT = dict(
    generator=dict(
        type='ZSKTGenerator', latent_dim=16, img_size=8, channels=1),
    distiller=distiller(
        dict(type='KLDiscrepancy', reduction='mean'),
        dict(type='ATLoss', loss_weight=250.0),
        dict(type='ATLoss', loss_weight=250.0, loss_name='loss_at2'),
        layers=AT),
    generator_distiller=distiller(
        dict(type='KLDiscrepancy', reduction='mean')),
    student_steps=10,
    student_first=False,
    same_noise=True)


def optim(gen_lr=1e-3, student_lr=0.01):
    return dict(
        constructor='PerModuleOptimWrapperConstructor',
        generator=dict(optimizer=dict(type='SGD', lr=gen_lr)),
        architecture=dict(optimizer=dict(type='SGD', lr=student_lr)))


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory):
    return save_teacher(TEACHER, tmp_path_factory.mktemp('t') / 't.pth')


def build(ckpt, method, **kwargs):
    torch.manual_seed(0)
    cfg = dict(
        type='AdversarialDataFreeDistill',
        architecture=simple_cnn(8, 2),
        teacher=TEACHER,
        teacher_ckpt=ckpt,
        batch_size=8,
        noise_seed=3)
    cfg.update(method, **kwargs)
    return MODELS.build(cfg).train()


def test_l1_discrepancy_is_dfads_l1_with_both_gradients():
    s = torch.randn(5, 10, dtype=torch.float64, requires_grad=True)
    t = torch.randn(5, 10, dtype=torch.float64, requires_grad=True)
    loss = MODELS.build(dict(type='L1Discrepancy', loss_weight=0.5))(s, t)
    ref = 0.5 * sum(
        abs(a - b) for a, b in zip(s.flatten().tolist(),
                                   t.flatten().tolist())) / 50
    assert abs(loss.item() - ref) <= 1e-12 * ref
    loss.backward()
    assert torch.equal(s.grad, -t.grad) and s.grad.abs().sum() > 0


@pytest.mark.parametrize('reduction,divisor', [('batchmean', 5), ('mean', 50)])
def test_kl_discrepancy_is_zskts_kl_with_both_gradients(reduction, divisor):
    gen = torch.Generator().manual_seed(1)
    s, t = (
        torch.randn(5, 10, generator=gen, dtype=torch.float64)
        for _ in range(2))
    s.requires_grad_(), t.requires_grad_()
    loss = MODELS.build(
        dict(
            type='KLDiscrepancy',
            tau=2.0,
            reduction=reduction,
            loss_weight=3.0))(s, t)
    # by hand: tau^2 * sum_i sum_c p_t log(p_t / p_s) / divisor
    ref = 0.0
    for si, ti in zip(s.tolist(), t.tolist()):
        zs = torch.tensor(si, dtype=torch.float64) / 2
        zt = torch.tensor(ti, dtype=torch.float64) / 2
        ps, pt = zs.exp() / zs.exp().sum(), zt.exp() / zt.exp().sum()
        ref += float((pt * (pt / ps).log()).sum())
    ref = 3.0 * 4 * ref / divisor
    assert abs(loss.item() - ref) <= 1e-12 * ref
    if reduction == 'mean':  # ZSKT's code: F.kl_div's elementwise mean
        torch_ref = F.kl_div(
            F.log_softmax(s / 2, 1), F.softmax(t / 2, 1), reduction='mean')
        assert abs(loss.item() - 12 * torch_ref.item()) <= 1e-12 * ref
    loss.backward()
    assert s.grad.abs().sum() > 0 and t.grad.abs().sum() > 0


def test_zskts_attention_term_is_the_authors(ckpt):
    """ATLoss with weight 250 on two levels is ZSKT's ``beta * sum_l
    mean((a_s - a_t)^2)``, ``a = normalize(mean_c f^2)``."""
    gen = torch.Generator().manual_seed(2)
    pairs = [(torch.randn(4, c, 6, 6, generator=gen, dtype=torch.float64),
              torch.randn(4, 2 * c, 6, 6, generator=gen, dtype=torch.float64))
             for c in (3, 5)]
    loss = MODELS.build(dict(type='ATLoss',
                             loss_weight=250.0))([p[0] for p in pairs],
                                                 [p[1] for p in pairs])

    def attention(x):
        a = x.pow(2).mean(1).view(x.size(0), -1)
        return a / a.norm(dim=1, keepdim=True)

    ref = sum(250 * (attention(s) - attention(t)).pow(2).mean().item()
              for s, t in pairs)
    assert abs(loss.item() - ref) <= 1e-12 * ref


def discrepancy(algo, images):
    """The generator distiller's discrepancy on ``images`` (float64)."""
    with torch.no_grad():
        s = algo.architecture(images, None, mode='tensor').double()
        t = algo.teacher(images, None, mode='tensor').double()
    return (s - t).abs().mean().item()


def test_generator_step_raises_the_discrepancy_student_step_lowers_it(ckpt):
    algo = build(ckpt, DFAD)
    wrapper = build_optim_wrapper(algo, optim(gen_lr=0.05, student_lr=0.05))
    noise = algo.draw_noise()
    student_before = {
        k: v.clone()
        for k, v in algo.architecture.named_parameters()
    }

    def images():  # the generator's images of ``noise`` (train-mode BN)
        with torch.no_grad():
            return algo.generator(noise)

    before = discrepancy(algo, images())
    loss, logs = algo.generator_step(noise, wrapper['generator'])
    assert loss.item() < 0 and logs['gen.loss_l1discrepancy'].item() < 0
    after = discrepancy(algo, images())
    assert after > before, (before, after)
    # the generator's step took no student weight with it, and left the
    # student no gradient to add to its next step
    for key, value in algo.architecture.named_parameters():
        assert torch.equal(value, student_before[key]), key
        assert value.grad is None and value.requires_grad, key
    fixed = images()
    records = algo.teacher_records(fixed)
    start = discrepancy(algo, fixed)
    for _ in range(3):
        loss, _ = algo.student_step(fixed, records, wrapper['architecture'])
        assert loss.item() > 0
    assert discrepancy(algo, fixed) < start
    assert all(p.grad is None for p in algo.generator.parameters())


@pytest.mark.parametrize('method,draws,first', [(DFAD, 6, 'student'),
                                                (ZSKT, 1, 'generator')])
def test_one_iteration_runs_the_authors_schedule(ckpt, method, draws, first,
                                                 monkeypatch):
    algo = build(ckpt, method)
    wrapper = build_optim_wrapper(algo, optim())
    calls = []
    for name in ('generator_step', 'student_step', 'teacher_records'):
        original = getattr(algo, name)

        def spy(*args, _name=name, _original=original):
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(algo, name, spy)
    teacher = {k: v.clone() for k, v in algo.teacher.state_dict().items()}
    logs = algo.train_step(None, wrapper)
    steps = method['student_steps']
    student = ['student_step'] * steps
    if method['same_noise']:  # one set of images, the teacher run once
        student = ['teacher_records'] + student
    else:
        student = ['teacher_records', 'student_step'] * steps
    expected = student + ['generator_step'] if first == 'student' else \
        ['generator_step'] + student
    assert calls == expected
    assert int(algo.num_draws) == draws
    for key, value in algo.teacher.state_dict().items():
        assert torch.equal(value, teacher[key]), key
    assert all(torch.isfinite(v) for v in logs.values())
    names = set(logs) - {'loss'}
    assert any(k.startswith('gen.') for k in names)
    assert any(k.startswith('distill.') for k in names)
    assert torch.allclose(
        logs['loss'],
        sum(v for k, v in logs.items() if k != 'loss'),
        rtol=1e-5,
        atol=1e-6)


def test_same_noise_trains_the_student_on_the_generators_new_images(ckpt):
    algo = build(ckpt, ZSKT, student_steps=2)
    wrapper = build_optim_wrapper(algo, optim(gen_lr=0.1))
    seen = []
    original = algo.student_step

    def spy(images, records, wrapper):
        seen.append(images.clone())
        return original(images, records, wrapper)

    algo.student_step = spy
    algo.train_step(None, wrapper)
    noise = torch.Generator().manual_seed(3 * 1_000_003)
    noise = torch.randn(8, 16, generator=noise)
    with torch.no_grad():
        expected = algo.generator(noise)  # after the generator's step
    assert torch.equal(seen[0], seen[1])
    torch.testing.assert_close(seen[0], expected)


def test_generator_losses_must_keep_the_teachers_gradient(ckpt):
    with pytest.raises(ValueError, match="'loss_kd' \\(KDLoss\\) detaches"):
        build(
            ckpt,
            DFAD,
            generator_distiller=distiller(dict(type='KDLoss', tau=1.0)))
    with pytest.raises(ValueError, match='student_steps must be'):
        build(ckpt, DFAD, student_steps=0)
    with pytest.raises(ValueError, match="'l1': its name must contain"):
        build(
            ckpt,
            DFAD,
            generator_distiller=distiller(
                dict(type='L1Discrepancy', loss_name='l1')))
    with pytest.raises(ValueError, match='distiller has learnable param'):
        build(
            ckpt,
            DFAD,
            distiller=distiller(
                dict(type='L1Discrepancy'),
                layers=dict(
                    LOGITS,
                    connectors=[
                        dict(
                            type='LinearEmbedConnector',
                            in_channels=10,
                            out_channels=10)
                    ])))


def test_generators(ckpt):
    z = torch.randn(4, 16)
    dafl = MODELS.build(
        dict(
            type='DAFLGenerator',
            latent_dim=16,
            img_size=8,
            hidden_channels=32,
            bn_eps=1e-5))
    assert dafl(z).shape == (4, 3, 8, 8)
    assert dafl.block1[1].eps == 1e-5 and dafl.block2[0].out_channels == 16
    assert MODELS.build(dict(type='DAFLGenerator')).block1[1].eps == 0.8
    zskt = MODELS.build(dict(type='ZSKTGenerator', latent_dim=16, img_size=8))
    out = zskt(z)
    assert out.shape == (4, 3, 8, 8)
    # no tanh: the last BN's affine parameters set the range
    assert zskt.block2[-1].affine
    with torch.no_grad():
        zskt.block2[-1].weight.fill_(10.0)
    assert zskt(z).abs().max() > 1.5


@pytest.mark.parametrize('part,distiller,key',
                         [('generator', 'generator_distiller', 'gen'),
                          ('architecture', 'distiller', 'distill')])
def test_non_finite_loss_stops_before_the_step(ckpt, tmp_path, part, distiller,
                                               key):
    """FiniteLossHook watches both optimizers: a NaN discrepancy stops the
    run, naming the loss, before that part is stepped."""
    from mmengine.runner import Runner

    from mmkd.engine.hooks import NonFiniteLossError
    algo = build(ckpt, DFAD)
    getattr(
        algo,
        distiller).distill_losses['loss_l1discrepancy'].loss_weight = float(
            'nan')
    before = {k: v.clone() for k, v in getattr(algo, part).named_parameters()}
    runner = Runner(
        model=algo,
        work_dir=str(tmp_path),
        train_dataloader=dict(
            batch_size=1,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=[{}] * 2,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=optim(),
        train_cfg=dict(by_epoch=False, max_iters=2),
        custom_hooks=[dict(type='mmkd.FiniteLossHook')],
        default_hooks=dict(checkpoint=None),
        default_scope='mmkd')
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    assert f'{key}.loss_l1discrepancy=nan' in str(info.value)
    for name, value in before.items():
        assert torch.equal(getattr(algo, part).get_parameter(name),
                           value), name


def test_noise_resumes_and_the_export_is_the_student(ckpt, tmp_path):
    import os.path as osp
    import sys

    from beyond_utils import REPO
    sys.path.insert(0, osp.join(REPO, 'tools', 'model_converters'))
    from export_student import export_student
    algo = build(ckpt, DFAD)
    algo.draw_noise()
    again = build(ckpt, DFAD)
    again.load_state_dict(algo.state_dict())  # seed and draw count
    assert torch.equal(algo.draw_noise(), again.draw_noise())
    keys = algo.state_dict().keys()
    assert any(k.startswith('generator.') for k in keys)
    assert not any(k.startswith('teacher') for k in keys)
    path = tmp_path / 'iter_1.pth'
    torch.save(dict(meta={}, state_dict=algo.state_dict()), path)
    export_student(str(path), str(tmp_path / 'student.pth'))
    exported = torch.load(tmp_path / 'student.pth')['state_dict']
    assert exported.keys() == MODELS.build(simple_cnn(8,
                                                      2)).state_dict().keys()
