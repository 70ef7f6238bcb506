"""Fault injection: NaN losses stop a run, kills while saving never make
``--resume`` impossible, damaged checkpoints are skipped with a reason."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmkd.engine.hooks import (AtomicCheckpointHook, FiniteLossHook,
                               NonFiniteLossError)
from mmkd.engine.resume import (ResumeError, checkpoint_problem,
                                find_resumable_checkpoint)
from mmkd.utils.checkpoint_loader import safe_checkpoint_loading


class Toy(BaseModel):
    """A linear model whose loss turns NaN at iteration ``nan_at``."""

    def __init__(self, nan_at=None):
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.nan_at = nan_at
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(torch.stack(inputs))
        if mode != 'loss':
            return out
        self.calls += 1
        loss = out.pow(2).mean()
        aux = loss * 0
        if self.nan_at is not None and self.calls == self.nan_at:
            aux = aux + float('nan')
        return dict(loss_main=loss, distill_loss_aux=aux)


def runner(work_dir, model, epochs=3, hooks=(), checkpoint=None):
    data = [dict(inputs=torch.randn(2)) for _ in range(4)]
    return Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        default_hooks=dict(
            checkpoint=checkpoint
            or dict(type=AtomicCheckpointHook, interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=list(hooks),
        default_scope='mmkd')


def test_nan_loss_stops_the_run_naming_loss_and_iteration(tmp_path):
    run = runner(tmp_path, Toy(nan_at=3), hooks=[dict(type=FiniteLossHook)])
    with pytest.raises(NonFiniteLossError) as info:
        run.train()
    message = str(info.value)
    assert 'iteration 3 (epoch 2)' in message
    assert 'distill_loss_aux=nan' in message and 'loss_main' not in message
    assert 'lower learning rate' in message
    # epoch 1 was saved; nothing after the NaN
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['epoch_1.pth']
    assert all(torch.isfinite(p).all() for p in run.model.parameters())


def test_nan_steps_can_be_skipped(tmp_path):
    model = Toy(nan_at=3)
    run = runner(tmp_path, model, hooks=[dict(type=FiniteLossHook, skip=True)])
    run.train()
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert (tmp_path / 'epoch_3.pth').exists()


def interrupt_saving_at(monkeypatch, epoch):
    """Make torch.save write half a file and die when saving ``epoch``."""
    real_save = torch.save

    def dying_save(obj, f, *args, **kwargs):
        if isinstance(obj, dict) and obj.get('meta', {}).get('epoch') == \
                epoch:
            f.write(b'PK\x03\x04 half a checkpoint')
            raise KeyboardInterrupt('killed while saving')
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, 'save', dying_save)


@pytest.mark.parametrize('keep', [-1, 1])
def test_kill_while_saving_keeps_a_resumable_run(tmp_path, monkeypatch, keep):
    interrupt_saving_at(monkeypatch, 2)
    run = runner(
        tmp_path,
        Toy(),
        checkpoint=dict(
            type=AtomicCheckpointHook, interval=1, max_keep_ckpts=keep))
    with pytest.raises(KeyboardInterrupt):
        run.train()
    # the previous checkpoint survives (also with max_keep_ckpts=1) and the
    # pointer still names it
    assert checkpoint_problem(str(tmp_path / 'epoch_1.pth')) is None
    assert not (tmp_path / 'epoch_2.pth').exists()
    assert (tmp_path / 'last_checkpoint').read_text().endswith('epoch_1.pth')
    assert find_resumable_checkpoint(str(tmp_path))[0].endswith('epoch_1.pth')


def test_old_checkpoints_go_only_after_the_new_one_is_complete(tmp_path):
    runner(
        tmp_path,
        Toy(),
        checkpoint=dict(
            type=AtomicCheckpointHook, interval=1, max_keep_ckpts=1)).train()
    assert sorted(p.name for p in tmp_path.iterdir()
                  if p.suffix in ('.pth', '.part')) == ['epoch_3.pth']


@pytest.mark.parametrize('pointer', ['', 'garbage\x00\xff', None])
def test_resume_falls_back_to_the_newest_intact_checkpoint(tmp_path, pointer):
    runner(tmp_path, Toy(), epochs=2).train()
    # the latest checkpoint is cut short, the pointer damaged
    latest = tmp_path / 'epoch_2.pth'
    latest.write_bytes(latest.read_bytes()[:100])
    if pointer is not None:
        (tmp_path / 'last_checkpoint').write_text(pointer)
    messages = []
    path, why = find_resumable_checkpoint(str(tmp_path), messages.append)
    assert path.endswith('epoch_1.pth')
    assert 'epoch_2.pth (is truncated' in why
    assert messages and 'epoch_1.pth' in messages[0]
    # and it resumes from there
    run = runner(tmp_path, Toy(), epochs=3)
    run._load_from, run._resume = path, True
    with safe_checkpoint_loading():
        run.train()
    assert run.epoch == 3


def test_checkpoint_problem_names_each_fault(tmp_path):
    assert checkpoint_problem(str(tmp_path / 'none.pth')) == 'does not exist'
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    assert checkpoint_problem(str(empty)) == 'is empty'
    good = tmp_path / 'good.pth'
    torch.save({'w': torch.ones(100)}, good)
    assert checkpoint_problem(str(good)) is None
    data = bytearray(good.read_bytes())
    data[200] ^= 0xFF  # a flipped bit inside the tensor data
    flipped = tmp_path / 'flipped.pth'
    flipped.write_bytes(bytes(data))
    assert 'CRC' in checkpoint_problem(str(flipped)) or \
        'truncated' in checkpoint_problem(str(flipped))


def test_real_kill_9_during_saving(tmp_path):
    """A process SIGKILLed halfway through writing a checkpoint."""
    script = textwrap.dedent(f'''
        import os, signal, sys, torch
        sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
        from test_crash_safety import Toy, runner
        real_save = torch.save
        def save(obj, f, *a, **k):
            if isinstance(obj, dict) and obj.get('meta', {{}}).get(
                    'epoch') == 2:
                real_save(obj, f, *a, **k)
                f.flush() if hasattr(f, 'flush') else None
                os.kill(os.getpid(), signal.SIGKILL)
            return real_save(obj, f, *a, **k)
        torch.save = save
        runner({str(tmp_path)!r}, Toy(),
               checkpoint=dict(type='mmkd.AtomicCheckpointHook', interval=1,
                               max_keep_ckpts=1)).train()
    ''')
    proc = subprocess.run([sys.executable, '-c', script],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    path, _ = find_resumable_checkpoint(str(tmp_path), lambda m: None)
    assert path is not None and path.endswith('epoch_1.pth')
    assert checkpoint_problem(path) is None


def test_full_disk_while_saving_names_the_file(tmp_path, monkeypatch):
    import errno

    from mmkd.utils.errors import CheckpointError
    real_save = torch.save

    def full_disk(obj, f, *args, **kwargs):
        if isinstance(obj, dict) and obj.get('meta', {}).get('epoch') == 2:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, 'save', full_disk)
    run = runner(tmp_path, Toy())
    with pytest.raises(CheckpointError) as info:
        run.train()
    assert str(tmp_path / 'epoch_2.pth') in str(info.value)
    assert 'No space left on device' in str(info.value)
    assert checkpoint_problem(str(tmp_path / 'epoch_1.pth')) is None
    assert not list(tmp_path.glob('*.part'))


def test_resume_stops_when_every_checkpoint_is_damaged(tmp_path):
    runner(tmp_path, Toy(), epochs=2).train()
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        path = tmp_path / name
        path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ResumeError) as info:
        find_resumable_checkpoint(str(tmp_path), lambda m: None)
    message = str(info.value)
    for name in ('epoch_1.pth (is truncated', 'epoch_2.pth (is truncated',
                 'last_checkpoint names'):
        assert name in message, message
    # a work dir that never held a checkpoint is still a fresh start
    assert find_resumable_checkpoint(str(tmp_path / 'new'),
                                     lambda m: None)[0] is None


def test_legacy_format_checkpoint_is_intact_unless_cut(tmp_path):
    legacy = tmp_path / 'legacy.pth'
    torch.save({'w': torch.ones(100)},
               legacy,
               _use_new_zipfile_serialization=False)
    assert checkpoint_problem(str(legacy)) is None
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(legacy.read_bytes()[:-7])
    assert 'is truncated or corrupt (a legacy' in checkpoint_problem(str(cut))
