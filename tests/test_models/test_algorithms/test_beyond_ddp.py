"""Two CPU processes (gloo DDP, through MMEngine's Runner and the digits
configs) train each algorithm beyond one teacher to the same weights as one
process with the whole batch. BN-free networks, so that per-process batches
give the full batch's step; DAFL with its information-entropy term, which is
computed on the whole batch of both processes.

Two processes add the halves' gradients in another order than one process
adds the whole batch's, so both sides run in float64 and agree to
numeric.REORDERED_RTOL on any CPU (in float32, Adam turned the last-bit
difference into 1e-4 relative on AVX512). Planted errors this catches: the
gradients not averaged over the processes (a DDP comm hook that returns
each rank's own gradients), and DAFL's entropy term taken on each process's
half batch instead of the whole batch (~1e-3 off)."""
import pytest
import torch
from beyond_utils import model_state, short_cfg, teacher_ckpts
from ddp_utils import init_gloo, spawn_and_wait
from mmengine.runner import Runner
from numeric import assert_reordered_close, float64
from tool_utils import free_port

pytestmark = pytest.mark.numeric

NAMES = ('multi_teacher', 'self_distill', 'dml', 'dafl')


def _worker(rank, world, port, root, ckpts):
    init_gloo(rank, world, port, env_ranks=True)
    torch.set_default_dtype(torch.float64)  # see the module's docstring
    from mmkd.utils import teardown_distributed
    from mmkd.utils.setup_env import setup_distributed
    states = {}
    for name in NAMES:
        # 2 processes x 2 images (DAFL: noise vectors) per step
        cfg = short_cfg(
            name,
            f'{root}/ddp_{name}_{rank}',
            ckpts,
            batch=2,
            epochs=1,
            no_bn=True)
        cfg.launcher = 'pytorch'
        setup_distributed(cfg, 'pytorch')
        runner = Runner.from_cfg(cfg)
        runner.train()
        assert runner.iter == 2
        wrapper = type(runner.model).__name__
        states[name] = (wrapper, model_state(runner))
    if rank == 0:
        torch.save(states, f'{root}/ddp_states.pth')
    teardown_distributed()


@pytest.fixture(scope='module')
def ddp_states(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ddp'))
    ckpts = teacher_ckpts(root, no_bn=True)
    spawn_and_wait(
        _worker, (2, free_port(), root, ckpts),
        'the 2-process runs',
        timeout=240)
    return root, ckpts, torch.load(f'{root}/ddp_states.pth')


@pytest.mark.parametrize('name', NAMES)
def test_two_processes_equal_one(name, ddp_states, tmp_path):
    root, ckpts, states = ddp_states
    wrapper, two = states[name]
    assert wrapper == ('MMSeparateDistributedDataParallel'
                       if name == 'dafl' else 'MMDistributedDataParallel')
    # one process, 4 images (noise vectors) per step: the same 8 in all
    with float64():
        runner = Runner.from_cfg(
            short_cfg(
                name, tmp_path / 'one', ckpts, batch=4, epochs=1, no_bn=True))
        runner.train()
        one = model_state(runner)
        start = Runner.from_cfg(
            short_cfg(
                name, tmp_path / 'init', ckpts, batch=4, epochs=0, no_bn=True))
    assert one.keys() == two.keys()
    moved = 0
    for key, value in start.model.state_dict().items():
        if not value.is_floating_point():
            assert torch.equal(two[key], one[key]), key
            continue
        assert_reordered_close(two[key], one[key], name=key)
        moved += int(not torch.equal(value, one[key]))
    assert moved > 0  # the runs did train
