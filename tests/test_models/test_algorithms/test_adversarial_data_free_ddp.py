"""AdversarialDataFreeDistill under two gloo DDP processes
(MMSeparateDistributedDataParallel) trains the generator and the student to
the weights one process reaches with the whole noise batch: each process
draws its slice of the global batch, the student's forward in the generator
step bypasses its DDP wrapper without upsetting it, and the gradients are
averaged. BN-free networks and generator (per-process batch statistics
would differ), float64 (the halves' gradients add in another order)."""
import pytest
import torch
from beyond_utils import model_state, save_teacher
from ddp_utils import init_gloo, spawn_and_wait
from mmengine.config import Config
from mmengine.runner import Runner
from numeric import assert_reordered_close, float64
from tool_utils import free_port

pytestmark = pytest.mark.numeric

TEACHER = dict(type='NoBNNet', channels=8)
LOGITS = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['linear'],
    teacher_distill_layer=['linear'])
METHODS = dict(
    dfad=dict(
        distiller=dict(LOGITS, loss=[dict(type='L1Discrepancy')]),
        generator_distiller=dict(LOGITS, loss=[dict(type='L1Discrepancy')]),
        student_steps=2,
        student_first=True,
        same_noise=False),
    zskt=dict(
        distiller=dict(
            type='ConfigurableDistiller',
            student_distill_layer=['linear', 'layer2'],
            teacher_distill_layer=['linear', 'layer2'],
            loss=[
                dict(type='KLDiscrepancy', reduction='mean'),
                dict(type='ATLoss', loss_weight=250.0)
            ]),
        generator_distiller=dict(
            LOGITS, loss=[dict(type='KLDiscrepancy', reduction='mean')]),
        student_steps=2,
        student_first=False,
        same_noise=True))


def cfg_for(method, work_dir, ckpt, batch_size):
    return Config(
        dict(
            default_scope='mmkd',
            work_dir=str(work_dir),
            model=dict(
                type='AdversarialDataFreeDistill',
                architecture=dict(type='NoBNNet', channels=4),
                teacher=TEACHER,
                teacher_ckpt=ckpt,
                generator=dict(
                    type='DAFLGenerator',
                    latent_dim=8,
                    img_size=8,
                    channels=1,
                    batch_norm=False),
                batch_size=batch_size,
                noise_seed=5,
                **METHODS[method]),
            model_wrapper_cfg=dict(type='MMSeparateDistributedDataParallel'),
            train_dataloader=dict(
                batch_size=1,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=[{}] * 2),
            optim_wrapper=dict(
                constructor='PerModuleOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam', lr=1e-2)),
                architecture=dict(
                    optimizer=dict(type='SGD', lr=0.1, momentum=0.9))),
            train_cfg=dict(by_epoch=False, max_iters=2),
            default_hooks=dict(checkpoint=None),
            randomness=dict(seed=0)))


def trained(cfg):
    torch.manual_seed(0)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    return {
        k: v
        for k, v in model_state(runner).items()
        if k.startswith(('generator.', 'architecture.'))
    }


def _worker(rank, world, port, root, ckpt):
    init_gloo(rank, world, port, env_ranks=True)
    torch.set_default_dtype(torch.float64)
    from mmkd.utils import teardown_distributed
    from mmkd.utils.setup_env import setup_distributed
    states = {}
    for method in METHODS:
        cfg = cfg_for(method, f'{root}/{method}_{rank}', ckpt, 2)
        cfg.launcher = 'pytorch'
        setup_distributed(cfg, 'pytorch')
        states[method] = trained(cfg)
    if rank == 0:
        torch.save(states, f'{root}/states.pth')
    teardown_distributed()


@pytest.fixture(scope='module')
def two_processes(tmp_path_factory):
    root = tmp_path_factory.mktemp('ddp')
    with float64():
        ckpt = save_teacher(TEACHER, root / 'teacher.pth', 1)
    spawn_and_wait(
        _worker, (2, free_port(), str(root), ckpt),
        'the 2-process data-free runs',
        timeout=240)
    return ckpt, torch.load(root / 'states.pth')


@pytest.mark.parametrize('method', sorted(METHODS))
def test_two_processes_equal_one_with_the_whole_batch(method, two_processes,
                                                      tmp_path):
    ckpt, states = two_processes
    with float64():
        one = trained(cfg_for(method, tmp_path, ckpt, 4))
        start = Runner.from_cfg(cfg_for(method, tmp_path / 'init', ckpt, 4))
        init = {k: v.clone() for k, v in start.model.state_dict().items()}
    two = states[method]
    assert two.keys() == one.keys()
    for key, value in two.items():
        assert_reordered_close(value, one[key], name=f'{method} {key}')
    # both players moved
    for part in ('generator.', 'architecture.'):
        assert any(not torch.equal(one[k], init[k]) for k in one
                   if k.startswith(part) and one[k].is_floating_point())
