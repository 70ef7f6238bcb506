"""Stop a run at the first non-finite loss instead of training on NaNs."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict

from mmkd.models.recorders import unwrap_model
from mmkd.registry import HOOKS
from mmkd.utils.errors import NonFiniteLossError


def _value(value) -> float:
    if isinstance(value, torch.Tensor):
        return float(value.detach().float().mean())
    return float(value)


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Check every iteration's loss before the optimizer step.

    A NaN or infinite loss stops training at that iteration with an error
    that names the loss terms that are not finite (``distill.loss_kd``,
    ``loss_cls``, ...), so no NaN weights are ever stepped into or saved.
    With ``skip=True`` such steps are skipped instead (gradients dropped,
    nothing updated) and counted; the run still stops after
    ``max_skips`` consecutive skips.

    mmkd's ``tools/train.py`` adds this hook to every run; a config may add
    it itself to change its options.

    Args:
        skip (bool): Skip non-finite steps instead of stopping. Defaults to
            False.
        max_skips (int): Consecutive skipped steps after which the run
            stops anyway. Defaults to 10.
    """

    priority = 'VERY_HIGH'

    def __init__(self, skip: bool = False, max_skips: int = 10) -> None:
        self.skip = skip
        self.max_skips = max_skips
        self._restore = []
        self._log_vars: Optional[dict] = None
        self._skipped_in_a_row = 0

    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model)
        parse_losses = model.parse_losses

        def checked_parse_losses(losses):
            loss, log_vars = parse_losses(losses)
            self._log_vars = log_vars
            return loss, log_vars

        model.parse_losses = checked_parse_losses
        self._restore = [(model, 'parse_losses')]
        # several optimizers (DAFL's generator and student, ...): each one's
        # steps are checked, with the losses of the part it steps
        wrapper = runner.optim_wrapper
        wrappers = list(wrapper.values()) if isinstance(
            wrapper, OptimWrapperDict) else [wrapper]
        for part in wrappers:
            part.update_params = self._checked(runner, part)
            self._restore.append((part, 'update_params'))

    def _checked(self, runner, wrapper):
        update_params = wrapper.update_params

        def checked_update_params(loss, *args, **kwargs):
            if torch.isfinite(loss).all():
                self._skipped_in_a_row = 0
                return update_params(loss, *args, **kwargs)
            self._non_finite(runner, wrapper)

        return checked_update_params

    def after_train(self, runner) -> None:
        for owner, name in self._restore:
            owner.__dict__.pop(name, None)
        self._restore = []

    def _non_finite(self, runner, wrapper) -> None:
        bad = [
            f'{name}={_value(value)}'
            for name, value in (self._log_vars or {}).items()
            if name != 'loss' and not math.isfinite(_value(value))
        ] or ['loss (the total)']
        where = f'iteration {runner.iter + 1} (epoch {runner.epoch + 1})'
        if self.skip and self._skipped_in_a_row < self.max_skips:
            self._skipped_in_a_row += 1
            wrapper.zero_grad()
            runner.logger.warning(
                f'Skipped {where}: non-finite {", ".join(bad)} '
                f'({self._skipped_in_a_row} in a row).')
            return
        raise NonFiniteLossError(
            f'Training stopped at {where}: {", ".join(bad)} is not finite.' +
            (f' {self.max_skips} steps in a row were skipped.' if self.
             skip else '') +
            ' No checkpoint was written for this state. Try a lower learning'
            ' rate (or a warm-up), gradient clipping, a lower distill loss '
            'weight, and check that the teacher checkpoint is the trained '
            'one (its own evaluation: EvaluateTeacherHook). To skip such '
            'steps instead: custom_hooks=[dict(type=\'mmkd.FiniteLossHook\','
            ' skip=True)].')
