"""Evaluating every student of a model that trains several."""
from typing import Dict, Optional

import torch
from mmengine.hooks import Hook

from mmkd.models.recorders import unwrap_model
from mmkd.registry import HOOKS


@HOOKS.register_module()
class EvaluateEachStudentHook(Hook):
    """After each validation (and test), evaluate every student of a
    :class:`MutualLearning` model on the same data and log
    ``student<i>/<metric>`` for all of them (the run's own metrics are
    those of ``evaluate_student``).

    The extra metrics reach the log, ``scalars.json`` and the visualizer as
    ``val/student1/accuracy/top1`` and so on.
    """

    priority = 'NORMAL'  # before LoggerHook, which writes the scalars

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        self._evaluate(runner, runner.val_loop, 'val', metrics or {})

    def after_test_epoch(self,
                         runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        self._evaluate(runner, runner.test_loop, 'test', metrics or {})

    @staticmethod
    def _evaluate(runner, loop, mode: str, metrics: Dict[str, float]) -> None:
        model = unwrap_model(runner.model)
        if not hasattr(model, 'students'):
            raise TypeError(f'{type(model).__name__} has no students; '
                            'EvaluateEachStudentHook is for MutualLearning.')
        current = model.evaluate_student
        results = {f'student{current}/{k}': v for k, v in metrics.items()}
        try:
            for index in range(len(model.students)):
                if index == current:
                    continue
                model.evaluate_student = index
                with torch.no_grad():
                    for data_batch in loop.dataloader:
                        outputs = runner.model.val_step(data_batch) \
                            if mode == 'val' else \
                            runner.model.test_step(data_batch)
                        loop.evaluator.process(
                            data_samples=outputs, data_batch=data_batch)
                found = loop.evaluator.evaluate(len(loop.dataloader.dataset))
                results.update({
                    f'student{index}/{k}': v
                    for k, v in found.items()
                })
        finally:
            model.evaluate_student = current
        for key, value in results.items():
            runner.message_hub.update_scalar(f'{mode}/{key}', value)
        runner.logger.info(f'Each student ({mode}): ' + '  '.join(
            f'{k}: {v:.4f}' if isinstance(v, float) else f'{k}: {v}'
            for k, v in sorted(results.items())))
