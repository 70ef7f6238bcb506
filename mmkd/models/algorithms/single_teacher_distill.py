"""Distillation from one frozen teacher into a student."""
from collections import deque
from concurrent.futures import Future
from typing import Deque, Dict, Iterator, Optional, Tuple, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from ..distillers import distill_step
from ..teacher import BatchCall, FrozenTeacher
from .base import BaseDistillAlgorithm
from .builder import build_network


@MODELS.register_module()
class SingleTeacherDistill(BaseDistillAlgorithm):
    """Trains ``architecture`` (the student) with losses from a distiller
    that compares it with a frozen ``teacher``.

    The teacher is a :class:`~mmkd.models.teacher.FrozenTeacher`: outside
    the module tree (not in ``parameters()``, the optimizer, DDP, SyncBN
    conversion or checkpoints; it is reloaded from ``teacher_ckpt``),
    following the algorithm's device moves, always in eval mode, run under
    ``no_grad`` in ``'tensor'`` mode and stopped after its last record.

    Args:
        architecture (dict | nn.Module): The student: any registered model,
            e.g. ``dict(type='resnet20', num_classes=100)``, an mmdet or
            mmseg model config, or ``dict(cfg_path='mmdet::...py')``.
        teacher (dict | nn.Module): The teacher model, same forms.
        distiller (dict): The distiller, usually ``ConfigurableDistiller``.
        teacher_ckpt (str, optional): Teacher checkpoint (path or URL),
            loaded strictly. Defaults to None (only allowed with
            ``teacher_ckpt_optional``).
        teacher_ckpt_optional (bool): Allow no teacher checkpoint (tests,
            benchmarks). Defaults to False.
        student_loss_weight (float): Multiplies the student's own losses;
            0 drops them (pure distillation). Defaults to 1.0.
        teacher_early_stop (bool): Stop the teacher's forward after its last
            record. Defaults to True.
        teacher_execution (dict, optional): How the teacher runs:
            ``precision='bf16'``/``'fp16'``, ``inference_mode``,
            ``channels_last``, ``device`` (its own GPU), ``micro_batch``
            (the teacher on parts of the batch, records joined). Defaults
            to None.
        data_preprocessor (dict, optional): Defaults to the student's. The
            teacher receives the batch normalised as its own preprocessor
            does (mean, std, channel order), e.g. a timm teacher trained
            with other statistics than the student.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 architecture: Union[dict, nn.Module],
                 teacher: Union[dict, nn.Module],
                 distiller: dict,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_optional: bool = False,
                 student_loss_weight: float = 1.0,
                 teacher_early_stop: bool = True,
                 teacher_execution: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, student_loss_weight, data_preprocessor,
                         init_cfg)
        self.frozen_teacher = FrozenTeacher(
            build_network(teacher, 'teacher'),
            ckpt=teacher_ckpt,
            ckpt_optional=teacher_ckpt_optional,
            early_exit=teacher_early_stop,
            execution=teacher_execution)
        self.distiller = MODELS.build(distiller) if isinstance(
            distiller, dict) else distiller
        self.distiller.prepare(self.student, self.teacher)
        self.frozen_teacher.attach(*self.distiller.teacher_part())
        # teacher runs started ahead (data batch, inputs, future), oldest
        # first
        self._ahead: Deque[Tuple[dict, torch.Tensor, Future]] = deque()

    @property
    def teacher(self) -> nn.Module:
        """The frozen teacher model."""
        return self.frozen_teacher.model

    @property
    def teacher_ckpt(self) -> Optional[str]:
        return self.frozen_teacher.ckpt

    def frozen_teachers(self) -> Iterator[FrozenTeacher]:
        yield self.frozen_teacher

    def _teacher_call(self, inputs, data_samples):
        return BatchCall(
            self.inputs_for(self.teacher, inputs, 'teacher'), data_samples,
            'tensor', self.frozen_teacher.execution.to_teacher)

    def _student_loss(self, inputs, data_samples) -> dict:
        return self.architecture(
            self.inputs_for(self.architecture, inputs, 'student'),
            data_samples,
            mode='loss')

    def run_teacher(self, inputs: torch.Tensor, data_samples=None) -> None:
        """Forward the teacher as far as its recorders need (records stay
        until ``distiller.reset()``)."""
        self.frozen_teacher.run(
            self._teacher_call(inputs, data_samples), inputs.device)

    def run_teacher_ahead(self, data_batch: dict) -> Optional[str]:
        """Start the teacher on ``data_batch`` (the next one) on its own
        thread, so it runs while the student trains on the current batch;
        :meth:`loss` on that batch then uses its records. A batch already
        under way (the same object) is not started again, so the loop can
        hand each step's own batch before the next one. Called by
        ``TeacherAheadEpochBasedTrainLoop``. Returns why it could not, or
        None."""
        problem = self.frozen_teacher.pipeline_problem()
        if getattr(self.data_preprocessor, 'batch_augments', None):
            problem = 'the data preprocessor has random batch augments'
        if self.distillation_stopped or self.distiller.loss_scale == 0:
            problem = 'distillation is switched off'
        if problem is None and self.frozen_teacher.ready_to_run_ahead and \
                not any(batch is data_batch for batch, _, _ in self._ahead):
            data = self.data_preprocessor(data_batch, True)
            inputs, samples = data['inputs'], data.get('data_samples')
            self._ahead.append((data_batch, inputs,
                                self.frozen_teacher.run_ahead(
                                    self._teacher_call(inputs, samples),
                                    inputs.device)))
            while len(self._ahead) > 2:  # never consumed: drop the oldest
                self._ahead.popleft()[2].result()
        return problem

    def _records_ahead(self, inputs: torch.Tensor):
        """The records of a teacher run started ahead on ``inputs``, or
        None; runs started for later batches stay queued. Without a match,
        every run under way is waited for, so the teacher is idle when the
        step runs it itself."""
        for index, (_, ahead_inputs, future) in enumerate(self._ahead):
            if ahead_inputs.shape == inputs.shape and \
                    torch.equal(ahead_inputs, inputs):
                for _ in range(index):  # older runs nobody will use
                    self._ahead.popleft()[2].result()
                self._ahead.popleft()
                return future.result()  # also re-raises its errors
        for _, _, future in self._ahead:
            future.result()
        return None

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """The student's own losses as ``student.<name>`` plus
        ``distill.<name>`` losses."""
        records = self._records_ahead(inputs)
        if self.distillation_stopped or self.distiller.loss_scale == 0:
            return self.merge_losses(
                self._student_loss(inputs, data_samples), {})
        student_losses, distill_losses = distill_step(
            self.distiller,
            self.frozen_teacher,
            self._teacher_call(inputs, data_samples),
            lambda: self._student_loss(inputs, data_samples),
            data_samples,
            teacher_records=records,
            record_device=inputs.device)
        return self.merge_losses(student_losses, distill_losses)

    def teardown(self) -> None:
        """Remove the distiller's hooks and patches and the early exit."""
        self.frozen_teacher.detach()
        self.distiller.teardown()
