"""Hooks that steer distillation during training."""
import numbers
import re
from typing import Optional

import torch
from mmengine.hooks import Hook

from mmkd.models.recorders import unwrap_model
from mmkd.registry import HOOKS


def _algorithm(runner):
    model = unwrap_model(runner.model)
    if not hasattr(model, 'distiller'):
        raise TypeError(f'{type(model).__name__} is not a distillation '
                        'algorithm (it has no distiller); remove the '
                        'distillation hooks from custom_hooks.')
    return model


def _metric_text(value) -> str:
    """A metric as the student's val lines print it: 4 decimals for a
    float of any kind (mmseg's are numpy floats), else as it is."""
    if isinstance(value,
                  numbers.Real) and not isinstance(value,
                                                   (bool, numbers.Integral)):
        return f'{float(value):.4f}'
    return str(value)


@HOOKS.register_module()
class StopDistillHook(Hook):
    """Switch distillation off from epoch ``stop_epoch`` on: the student
    trains with its own losses only (and the teacher no longer runs).

    Args:
        stop_epoch (int): First epoch (0-based) without distillation.
    """

    priority = 'LOW'

    def __init__(self, stop_epoch: int) -> None:
        self.stop_epoch = stop_epoch

    def before_train_epoch(self, runner) -> None:
        model = _algorithm(runner)
        stopped = runner.epoch >= self.stop_epoch
        if stopped and not model.distillation_stopped:
            runner.logger.info(
                f'Distillation stops at epoch {runner.epoch + 1}: the '
                'student trains on its own losses, the teacher no longer '
                'runs.')
            # the log shows what is optimised: no stale distill losses, and
            # the total loss smoothed over post-stop steps only (its window
            # would average in the distillation terms for a while)
            scalars = runner.message_hub.log_scalars
            for key in [
                    k for k in scalars
                    if k.startswith('train/distill.') or k == 'train/loss'
            ]:
                scalars.pop(key)
        model.distillation_stopped = stopped


@HOOKS.register_module()
class DistillLossWarmupHook(Hook):
    """Ramp the weight of all distill losses linearly from 0 to 1.

    Args:
        warmup_epochs (int, optional): Length of the ramp in epochs.
        warmup_iters (int, optional): Length of the ramp in iterations.
            Give exactly one of the two.
        per_epoch (bool): With ``warmup_epochs``, step the weight once per
            epoch (``(epoch + 1) / warmup_epochs``, 1-based epochs as in
            mdistiller) instead of every iteration. Defaults to False.
    """

    priority = 'LOW'

    def __init__(self,
                 warmup_epochs: Optional[int] = None,
                 warmup_iters: Optional[int] = None,
                 per_epoch: bool = False) -> None:
        if (warmup_epochs is None) == (warmup_iters is None):
            raise ValueError('DistillLossWarmupHook needs exactly one of '
                             'warmup_epochs and warmup_iters.')
        if per_epoch and warmup_epochs is None:
            raise ValueError('DistillLossWarmupHook: per_epoch needs '
                             'warmup_epochs.')
        self.warmup_epochs, self.warmup_iters = warmup_epochs, warmup_iters
        self.per_epoch = per_epoch

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        if self.warmup_iters is not None:
            progress = (runner.iter + 1) / self.warmup_iters
        elif self.per_epoch:
            # constant within an epoch, as mdistiller's min(epoch / warmup,
            # 1) with its 1-based epochs
            progress = (runner.epoch + 1) / self.warmup_epochs
        else:
            per_epoch = len(runner.train_dataloader)
            progress = (runner.epoch + (batch_idx + 1) / per_epoch) / \
                self.warmup_epochs
        _algorithm(runner).distiller.loss_scale = min(1.0, progress)


@HOOKS.register_module()
class EvaluateTeacherHook(Hook):
    """Evaluate the teacher once on the validation set before training and
    log its metrics as ``teacher/<metric>`` (``teacher_<name>/<metric>`` for
    each of several teachers), so users see that they distill from good
    teachers. Not repeated when a run resumes."""

    priority = 'LOW'

    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model)
        teachers = list(getattr(model, 'frozen_teachers', lambda: [])())
        if not teachers:
            raise TypeError(f'{type(model).__name__} has no teacher to '
                            'evaluate; remove EvaluateTeacherHook.')
        loop = runner.val_loop
        if loop is None:
            return
        if runner.iter > 0:
            runner.logger.info(
                'Teacher: evaluated when the run started (its metrics are '
                'in the log and in the resumed message hub as teacher/...); '
                'not evaluated again on resume.')
            return
        for index, teacher in enumerate(teachers):
            suffix = re.sub(r'\W+', '', teacher.name.replace('teacher', '', 1))
            label = 'teacher' if len(teachers) == 1 else \
                f'teacher_{suffix or index}'
            metrics = self._evaluate(runner, model, loop, index)
            for key, value in metrics.items():
                runner.message_hub.update_scalar(f'{label}/{key}', value)
            runner.visualizer.add_scalars(
                {
                    f'{label}/{k}': v
                    for k, v in metrics.items()
                }, step=0)
            # the student's val lines read 'Epoch(val) [1][2/2]    acc: 0.5'
            title = 'Teacher' if len(teachers) == 1 else label.capitalize()
            runner.logger.info(f'{title}(val)    ' +
                               '  '.join(f'{k}: {_metric_text(v)}'
                                         for k, v in metrics.items()))

    @staticmethod
    def _evaluate(runner, model, loop, index: int) -> dict:
        model.evaluate_teacher = index
        runner.model.eval()
        try:
            with torch.no_grad():
                for data_batch in loop.dataloader:
                    outputs = runner.model.val_step(data_batch)
                    loop.evaluator.process(
                        data_samples=outputs, data_batch=data_batch)
            return loop.evaluator.evaluate(len(loop.dataloader.dataset))
        finally:
            model.evaluate_teacher = False
            runner.model.train()
