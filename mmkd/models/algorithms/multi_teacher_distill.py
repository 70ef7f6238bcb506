"""Distillation from several frozen teachers into one student."""
from typing import Dict, Iterator, Optional, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from ..distillers import distill_step
from ..teacher import FrozenTeacher
from .base import BaseDistillAlgorithm
from .builder import build_network

_TEACHER_KEYS = ('model', 'ckpt', 'ckpt_optional', 'early_exit')


def _build_teacher(name: str, cfg: dict) -> FrozenTeacher:
    if not isinstance(name, str) or not name or '/' in name:
        raise ValueError(f'Teacher names must be non-empty strings without '
                         f"'/' (it separates '<teacher>/<layer>'), got "
                         f'{name!r}.')
    if not isinstance(cfg, dict) or 'model' not in cfg:
        raise TypeError(
            f'teachers.{name} must be dict(model=<model config>, ckpt=..., '
            f'ckpt_optional=False, early_exit=True), got {cfg!r}.')
    unknown = sorted(set(cfg) - set(_TEACHER_KEYS))
    if unknown:
        raise KeyError(f'teachers.{name} has unknown keys {unknown}; it '
                       f'takes {list(_TEACHER_KEYS)}.')
    if cfg.get('ckpt') is None and not cfg.get('ckpt_optional', False):
        raise ValueError(
            f'teachers.{name}.ckpt is not set: distilling from an untrained '
            'teacher is almost certainly a mistake. Point it at the '
            "teacher's checkpoint (or set ckpt_optional=True for tests).")
    return FrozenTeacher(
        build_network(cfg['model'], f'teacher {name!r}'),
        ckpt=cfg.get('ckpt'),
        ckpt_optional=cfg.get('ckpt_optional', False),
        early_exit=cfg.get('early_exit', True),
        name=f'teacher {name!r}',
        ckpt_key=f'teachers.{name}.ckpt')


@MODELS.register_module()
class MultiTeacherDistill(BaseDistillAlgorithm):
    """Trains ``architecture`` (the student) from several named frozen
    teachers.

    Each teacher is a :class:`~mmkd.models.teacher.FrozenTeacher`, like the
    one of ``SingleTeacherDistill``: loaded strictly from its own
    checkpoint, frozen, in eval mode, outside the module tree (so outside the
    optimizer, DDP and checkpoints) and stopped after its own last record;
    each teacher stops on its own. The distiller says which teacher every
    record comes from: in the compact form a teacher layer is
    ``'<teacher>/<layer>'``; in the explicit form a teacher recorder config
    carries ``teacher='<name>'``. For the mean (or a weighted mean) of the
    teachers' softened outputs, map a list of teacher logits to
    :class:`EnsembleKDLoss`::

        model = dict(
            type='MultiTeacherDistill',
            architecture=dict(type='resnet20', num_classes=100),
            teachers=dict(
                r56=dict(model=dict(type='resnet56', num_classes=100),
                         ckpt='work_dirs/resnet56_cifar100/epoch_240.pth'),
                r110=dict(model=dict(type='resnet110', num_classes=100),
                          ckpt='work_dirs/resnet110_cifar100/epoch_240.pth')),
            student_loss_weight=0.1,
            distiller=dict(
                type='ConfigurableDistiller',
                student_distill_layer=['linear', 'linear'],
                teacher_distill_layer=['r56/linear', 'r110/linear'],
                loss=[dict(type='EnsembleKDLoss', tau=4)],
                weights=[0.9]))

    Args:
        architecture (dict | nn.Module): The student.
        teachers (dict): ``{name: dict(model=..., ckpt=None,
            ckpt_optional=False, early_exit=True)}``, at least one.
        distiller (dict): The distiller, usually ``ConfigurableDistiller``;
            every teacher must be read by at least one loss.
        student_loss_weight (float): Multiplies the student's own losses.
            Defaults to 1.0.
        data_preprocessor (dict, optional): Defaults to the student's.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 architecture: Union[dict, nn.Module],
                 teachers: Dict[str, dict],
                 distiller: dict,
                 student_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, student_loss_weight, data_preprocessor,
                         init_cfg)
        if not isinstance(teachers, dict) or not teachers:
            raise ValueError('teachers must be a non-empty dict {name: '
                             'dict(model=..., ckpt=...)}, got '
                             f'{teachers!r}.')
        # a plain dict: the teachers stay outside the module tree
        self.frozen_teacher_dict: Dict[str, FrozenTeacher] = {
            name: _build_teacher(name, cfg)
            for name, cfg in teachers.items()
        }
        self.distiller = MODELS.build(distiller) if isinstance(
            distiller, dict) else distiller
        self.distiller.prepare(self.student, self.teachers)
        for name, teacher in self.frozen_teacher_dict.items():
            recorders, needs = self.distiller.teacher_part(name)
            if not recorders.recorders:
                raise ValueError(
                    f'Teacher {name!r} is recorded by no distill loss; '
                    f"name its layers '{name}/<layer>' in "
                    "teacher_distill_layer (or teacher='" + name +
                    "' in a recorder config), or remove it.")
            teacher.attach(recorders, needs)

    @property
    def teachers(self) -> Dict[str, nn.Module]:
        """The frozen teacher models by name."""
        return {n: t.model for n, t in self.frozen_teacher_dict.items()}

    def frozen_teachers(self) -> Iterator[FrozenTeacher]:
        return iter(self.frozen_teacher_dict.values())

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """The student's own losses plus ``distill.<name>`` losses."""
        names = {id(t.model): n for n, t in self.frozen_teacher_dict.items()}
        student_inputs = self.inputs_for(self.architecture, inputs, 'student')
        run_student = lambda: self.architecture(  # noqa: E731
            student_inputs, data_samples, mode='loss')
        if self.distillation_stopped or self.distiller.loss_scale == 0:
            return self.merge_losses(run_student(), {})
        # each teacher gets the batch as its own preprocessor normalises it
        student_losses, distill_losses = distill_step(
            self.distiller, list(self.frozen_teacher_dict.values()),
            lambda t: t(
                self.inputs_for(t, inputs, f'teacher {names[id(t)]!r}'),
                data_samples,
                mode='tensor'), run_student, data_samples)
        return self.merge_losses(student_losses, distill_losses)

    def teardown(self) -> None:
        """Remove the distiller's hooks and patches and every early exit."""
        for teacher in self.frozen_teacher_dict.values():
            teacher.detach()
        self.distiller.teardown()
