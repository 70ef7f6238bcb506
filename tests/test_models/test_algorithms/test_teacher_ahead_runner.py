"""TeacherAheadEpochBasedTrainLoop through MMEngine's Runner (digits KD):
the same weights as the sequential loop bit for bit (CPU), an exact resume,
and under 2-process gloo DDP the same weights as the sequential loop in 2
processes, with the teacher's runs made on its own thread.

Same arithmetic on both sides (the teacher's thread uses the caller's
thread count), so bit for bit. Planted errors these catch: a step that
trains on the records of the batch before (the queue handing runs out of
order), and a resumed loop that does not restore the optimizer state."""
import os.path as osp
import threading

import pytest
import torch
from beyond_utils import DIGITS, model_state, save_teacher, simple_cnn
from ddp_utils import init_gloo, spawn_and_wait
from mmengine.config import Config
from mmengine.runner import Runner
from tool_utils import free_port

from mmkd.models.teacher import FrozenTeacher
from mmkd.utils.checkpoint_loader import safe_checkpoint_loading

pytestmark = pytest.mark.numeric

KD = osp.join(DIGITS, 'kd_cnn64x5_cnn8x2_digits.py')


def kd_cfg(work_dir, ckpt, ahead, epochs=2, batch=4, samples=12):
    """Digits KD on ``samples`` images in batches of ``batch``, a
    checkpoint per epoch, no validation."""
    cfg = Config.fromfile(KD)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = osp.basename(str(work_dir))
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = 1000
    if ahead:  # a loop type replaces by_epoch
        cfg.train_cfg.pop('by_epoch', None)
        cfg.train_cfg.type = 'TeacherAheadEpochBasedTrainLoop'
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.custom_hooks = []
    cfg.train_dataloader.batch_size = batch
    cfg.train_dataloader.dataset.indices = samples
    cfg.model.teacher_ckpt = ckpt
    return cfg


def count_teacher_threads():
    """Patch FrozenTeacher.run to note the thread of each teacher run."""
    threads = []
    run = FrozenTeacher.run

    def noted(self, *args, **kwargs):
        threads.append(threading.current_thread().name.split('_')[0])
        return run(self, *args, **kwargs)

    return threads, noted


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory):
    return save_teacher(
        simple_cnn(64, 5),
        tmp_path_factory.mktemp('t') / 'teacher.pth')


def test_loop_trains_to_the_sequential_weights_and_resumes_exactly(
        ckpt, tmp_path, monkeypatch):
    sequential = Runner.from_cfg(kd_cfg(tmp_path / 'seq', ckpt, False))
    sequential.train()
    threads, noted = count_teacher_threads()
    monkeypatch.setattr(FrozenTeacher, 'run', noted)
    ahead = Runner.from_cfg(kd_cfg(tmp_path / 'ahead', ckpt, True))
    ahead.train()
    monkeypatch.undo()
    assert ahead.iter == sequential.iter == 6
    # 3 batches an epoch: only the planning step (the first) runs the
    # teacher itself; the other 5 use runs made on the teacher's thread (the
    # loop hands each step's own batch first, then the next one)
    assert threads.count('mmkd-teacher') == 5, threads
    want, got = model_state(sequential), model_state(ahead)
    for key in want:
        assert torch.equal(want[key], got[key]), key

    cfg = kd_cfg(tmp_path / 'resumed', ckpt, True)
    cfg.resume, cfg.load_from = True, str(tmp_path / 'ahead/epoch_1.pth')
    resumed = Runner.from_cfg(cfg)
    with safe_checkpoint_loading():
        resumed.train()
    assert resumed.iter == 6
    assert not (tmp_path / 'resumed/epoch_1.pth').exists()
    for key, value in model_state(resumed).items():
        assert torch.equal(want[key], value), key


def _worker(rank, world, port, root, ckpt):
    init_gloo(rank, world, port, env_ranks=True)
    from mmkd.utils import teardown_distributed
    from mmkd.utils.setup_env import setup_distributed
    threads, noted = count_teacher_threads()
    FrozenTeacher.run = noted
    states = {}
    for ahead in (False, True):
        # 2 processes x 2 images per step, 3 steps an epoch
        cfg = kd_cfg(
            f'{root}/ddp_{ahead}_{rank}', ckpt, ahead, epochs=1, batch=2)
        cfg.launcher = 'pytorch'
        setup_distributed(cfg, 'pytorch')
        runner = Runner.from_cfg(cfg)
        runner.train()
        states[ahead] = (type(runner.model).__name__, runner.iter,
                         model_state(runner))
    states['teacher_thread_runs'] = threads.count('mmkd-teacher')
    torch.save(states, f'{root}/ddp_states_{rank}.pth')
    teardown_distributed()


def test_two_processes_ahead_equal_two_processes_sequential(ckpt, tmp_path):
    root = str(tmp_path)
    spawn_and_wait(
        _worker, (2, free_port(), root, ckpt),
        'the 2-process runs',
        timeout=240)
    for rank in range(2):
        states = torch.load(f'{root}/ddp_states_{rank}.pth')
        (seq_wrapper, seq_iter, seq), (wrapper, iters, ahead) = \
            states[False], states[True]
        assert seq_wrapper == wrapper == 'MMDistributedDataParallel'
        assert seq_iter == iters == 3
        # step 1 plans on the main thread; steps 2 and 3 use runs made on
        # the teacher's thread
        assert states['teacher_thread_runs'] == 2
        for key in seq:
            assert torch.equal(seq[key], ahead[key]), (rank, key)
