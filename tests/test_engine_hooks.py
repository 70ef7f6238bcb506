import types

import pytest
import torch.nn as nn
from mmengine.logging import MessageHub

from mmkd.engine.hooks import DistillLossWarmupHook, StopDistillHook


class FakeAlgorithm(nn.Module):

    def __init__(self):
        super().__init__()
        self.distiller = types.SimpleNamespace(loss_scale=1.0)
        self.distillation_stopped = False


def fake_runner(epoch=0, iteration=0, iters_per_epoch=10):
    return types.SimpleNamespace(
        model=FakeAlgorithm(),
        epoch=epoch,
        iter=iteration,
        train_dataloader=[None] * iters_per_epoch,
        message_hub=MessageHub.get_instance('test_engine_hooks'),
        logger=types.SimpleNamespace(info=lambda msg: None))


def test_stop_distill_hook():
    hook = StopDistillHook(stop_epoch=3)
    runner = fake_runner(epoch=2)
    hook.before_train_epoch(runner)
    assert not runner.model.distillation_stopped
    runner.epoch = 3
    hook.before_train_epoch(runner)
    assert runner.model.distillation_stopped


def test_stopped_distillation_leaves_no_stale_losses_in_the_log():
    runner = fake_runner(epoch=3)
    hub = runner.message_hub
    hub.update_scalar('train/distill.loss_kd', 0.5)
    hub.update_scalar('train/loss_cls', 1.0)
    StopDistillHook(stop_epoch=3).before_train_epoch(runner)
    assert 'train/distill.loss_kd' not in hub.log_scalars
    assert 'train/loss_cls' in hub.log_scalars


def test_stopped_distillation_smooths_the_total_loss_afresh():
    runner = fake_runner(epoch=3)
    hub = MessageHub.get_instance('test_engine_hooks_total')
    runner.message_hub = hub
    for _ in range(10):  # distilling: CE 0.5 + KD 4.5
        hub.update_scalar('train/loss', 5.0)
    StopDistillHook(stop_epoch=3).before_train_epoch(runner)
    hub.update_scalar('train/loss', 0.5)  # CE alone after the stop
    # what LogProcessor logs: the mean over its window (50 by default)
    assert hub.get_scalar('train/loss').mean(50) == 0.5


def test_teacher_metrics_of_any_float_type_are_formatted():
    import numpy as np

    from mmkd.engine.hooks.distillation_hooks import _metric_text
    assert _metric_text(np.float32(90.01000213623047)) == '90.0100'
    assert _metric_text(0.25) == '0.2500'
    assert _metric_text(3) == '3'


def test_warmup_by_epochs_and_iters():
    runner = fake_runner(epoch=0)
    DistillLossWarmupHook(warmup_epochs=2).before_train_iter(runner, 4)
    assert runner.model.distiller.loss_scale == pytest.approx(0.25)
    runner.epoch = 5
    DistillLossWarmupHook(warmup_epochs=2).before_train_iter(runner, 0)
    assert runner.model.distiller.loss_scale == 1.0
    runner.iter = 9
    DistillLossWarmupHook(warmup_iters=100).before_train_iter(runner, 0)
    assert runner.model.distiller.loss_scale == pytest.approx(0.1)
    with pytest.raises(ValueError, match='exactly one'):
        DistillLossWarmupHook()


def test_hooks_refuse_a_plain_model():
    runner = fake_runner()
    runner.model = nn.Linear(1, 1)
    with pytest.raises(TypeError, match='not a distillation algorithm'):
        StopDistillHook(1).before_train_epoch(runner)


def test_warmup_per_epoch_as_mdistiller():
    runner = fake_runner(epoch=0)
    hook = DistillLossWarmupHook(warmup_epochs=20, per_epoch=True)
    for batch_idx in (0, 9):  # constant within the first epoch: 1 / 20
        hook.before_train_iter(runner, batch_idx)
        assert runner.model.distiller.loss_scale == pytest.approx(0.05)
    runner.epoch = 19
    hook.before_train_iter(runner, 0)
    assert runner.model.distiller.loss_scale == 1.0
    with pytest.raises(ValueError, match='per_epoch needs warmup_epochs'):
        DistillLossWarmupHook(warmup_iters=10, per_epoch=True)
