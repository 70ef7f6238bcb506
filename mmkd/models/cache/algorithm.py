"""Distillation from a teacher output cache: the student trains against
soft labels stored ahead of training; no teacher is built or run."""
from typing import Dict, Optional, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from ..algorithms import BaseDistillAlgorithm
from ..distillers import distill_step


@MODELS.register_module()
class CachedTeacherDistill(BaseDistillAlgorithm):
    """Trains ``architecture`` (the student) with distill losses that read
    the teacher's outputs from the batch (``CachedKDLoss``, fed by the
    ``TeacherCacheReplay`` pipeline step) instead of running a teacher.

    ``teacher``, ``teacher_ckpt`` and ``teacher_ckpt_optional`` name the
    teacher the cache was built from, as in ``SingleTeacherDistill``, so
    one config serves ``tools/build_teacher_cache.py`` and training (and
    ``TeacherCacheCheckHook`` compares the checkpoint with the cache's).
    They are never built or loaded here: training needs no teacher weights.

    Args:
        architecture (dict | nn.Module): The student.
        distiller (dict): A distiller without teacher recorders, e.g. a
            ``ConfigurableDistiller`` whose ``CachedKDLoss`` maps
            ``student`` to the student's logits.
        teacher (dict, optional): The cache's teacher (not built).
        teacher_ckpt (str, optional): Its checkpoint (not loaded).
        teacher_ckpt_optional (bool): Whether the cache may come from an
            untrained teacher (tests). Defaults to False.
        student_loss_weight (float): Multiplies the student's own losses.
            Defaults to 1.0.
        data_preprocessor (dict, optional): Defaults to the student's.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 architecture: Union[dict, nn.Module],
                 distiller: dict,
                 teacher: Optional[dict] = None,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_optional: bool = False,
                 student_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, student_loss_weight,
                         data_preprocessor, init_cfg)
        self.distiller = MODELS.build(distiller) if isinstance(
            distiller, dict) else distiller
        recorders = sorted(self.distiller.teacher_recorders.recorders)
        if recorders:
            raise ValueError(
                'CachedTeacherDistill runs no teacher, but the distiller has '
                f'teacher recorders {recorders}. Read the teacher from the '
                'cache instead (CachedKDLoss, docs/teacher_cache.md), or use '
                'SingleTeacherDistill.')
        self.distiller.prepare(self.student, None)
        self.teacher_cfg = teacher
        self.teacher_ckpt = teacher_ckpt
        self.teacher_ckpt_optional = teacher_ckpt_optional

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """The student's own losses plus ``distill.<name>`` losses."""
        run_student = lambda: self.architecture(  # noqa: E731
            inputs, data_samples, mode='loss')
        if self.distillation_stopped or self.distiller.loss_scale == 0:
            return self.merge_losses(run_student(), {})
        student_losses, distill_losses = distill_step(
            self.distiller, [], None, run_student, data_samples)
        return self.merge_losses(student_losses, distill_losses)

    def teardown(self) -> None:
        """Remove the distiller's hooks."""
        self.distiller.teardown()
