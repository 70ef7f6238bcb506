"""Distillation from a teacher output cache: the student trains against
soft labels stored ahead of training; no teacher is built or run."""
import logging
from typing import Dict, Mapping, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log

from mmkd.registry import MODELS
from ..distillers import distill_step
from .base import BaseDistillAlgorithm


def _preprocessor_cfg(data_preprocessor, architecture) -> Optional[dict]:
    """The data preprocessor's config as the cache builder resolves it
    (None when it was given as a module)."""
    if data_preprocessor is None and isinstance(architecture, Mapping):
        data_preprocessor = architecture.get('data_preprocessor')
    if data_preprocessor is None:
        return dict(type='BaseDataPreprocessor')
    return data_preprocessor if isinstance(data_preprocessor,
                                           Mapping) else None


@MODELS.register_module()
class CachedTeacherDistill(BaseDistillAlgorithm):
    """Trains ``architecture`` (the student) with distill losses that read
    the teacher's outputs from the batch (``CachedKDLoss``, fed by the
    ``TeacherCacheReplay`` pipeline step) instead of running a teacher.

    ``teacher``, ``teacher_ckpt`` and ``teacher_ckpt_optional`` name the
    teacher the cache was built from, as in ``SingleTeacherDistill``, so
    one config serves ``tools/build_teacher_cache.py`` and training. They
    are never built or loaded here: training needs no teacher weights. At
    its first step with a cache (data samples with ``teacher_cache``),
    before any update, it checks that the cache was built from
    ``teacher_ckpt`` (when it is a local file) and with this data
    preprocessor, whatever hooks the config lists. The check comes with
    the batch: each data sample's ``teacher_cache`` metainfo (set by
    ``TeacherCacheReplay``) knows its cache and checks it
    (``check(teacher_ckpt, data_preprocessor, warn)``), so this model needs
    nothing from the data side.

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
        super().__init__(architecture, student_loss_weight, data_preprocessor,
                         init_cfg)
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
        self._preprocessor_cfg = _preprocessor_cfg(data_preprocessor,
                                                   architecture)
        self._checked_caches = set()

    def check_caches(self, data_samples: Optional[list]) -> None:
        """Check each cache the batch reads (once per cache folder) against
        this model's teacher checkpoint and data preprocessor."""
        for sample in data_samples or ():
            meta = getattr(sample, 'metainfo', None) or {}
            cache = meta.get('teacher_cache')
            if cache is None or cache.cache_dir in self._checked_caches:
                continue
            cache.check(
                self.teacher_ckpt, self._preprocessor_cfg,
                lambda line: print_log(line, 'current', logging.WARNING))
            self._checked_caches.add(cache.cache_dir)

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """The student's own losses plus ``distill.<name>`` losses."""
        self.check_caches(data_samples)
        run_student = lambda: self.architecture(  # noqa: E731
            self.inputs_for(self.architecture, inputs, 'student'),
            data_samples,
            mode='loss')
        if self.distillation_stopped or self.distiller.loss_scale == 0:
            return self.merge_losses(run_student(), {})
        student_losses, distill_losses = distill_step(self.distiller, [], None,
                                                      run_student,
                                                      data_samples)
        return self.merge_losses(student_losses, distill_losses)

    def teardown(self) -> None:
        """Remove the distiller's hooks."""
        self.distiller.teardown()
