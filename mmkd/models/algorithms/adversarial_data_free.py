"""Adversarial data-free distillation: a generator searches for images on
which the student disagrees with the frozen teacher; the student learns to
agree with the teacher on them.

Fang et al., "Data-Free Adversarial Distillation", 2019 (DFAD) and
Micaelli & Storkey, "Zero-shot Knowledge Transfer via Adversarial Belief
Matching", NeurIPS 2019 (ZSKT). Each iteration the generator takes one step
on ``-D(S(G(z)), T(G(z)))`` (``D``: the generator distiller's losses, e.g.
DFAD's mean L1 of the logits or ZSKT's KL(T || S)), and the student
``student_steps`` steps on the distiller's losses (``D`` and, for ZSKT,
attention transfer) on generated images.
"""
from typing import Dict, Iterator, Optional, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapperDict

from mmkd.registry import MODELS
from ..teacher import FrozenTeacher
from .adversarial_checks import _positive_int, check_distillers
from .adversarial_steps import AdversarialSteps
from .base import BaseDistillAlgorithm
from .builder import build_network
from .dafl_generator import DAFLGenerator  # noqa: F401 (registers it)
from .data_free_noise import next_noise, register_noise_buffers
from .zskt_generator import ZSKTGenerator  # noqa: F401 (registers it)


@MODELS.register_module()
class AdversarialDataFreeDistill(AdversarialSteps, BaseDistillAlgorithm):
    """Trains ``architecture`` (the student) against a ``generator`` that
    learns to make the images on which student and frozen ``teacher``
    disagree most.

    Each iteration (``train_step``; the train dataloader's batch is not
    read, it only counts iterations):

    - generator step: images ``G(z)`` go through the student and the
      teacher, gradients flow through both networks to the generator (their
      weights take none; the student's BN statistics update, as in the
      authors' code), and the generator minimises minus the sum of
      ``generator_distiller``'s losses (whose weights are positive: the
      sign is the algorithm's);
    - ``student_steps`` student steps on detached generated images, each
      minimising ``distiller``'s losses against the teacher's records
      (taken without gradients).

    ``student_first`` puts the student steps before the generator step
    (DFAD's code). ``same_noise=False`` draws new noise for every step
    (DFAD); ``same_noise=True`` draws one batch per iteration for the
    generator step and all student steps, so the student steps train on
    one set of images made after the generator's step, with the teacher
    run once (ZSKT's code, whose loader repeats each noise batch for its
    1 + ``ns`` steps).

    Every process draws its slice of one global noise batch (seeded by
    ``noise_seed`` and a checkpointed draw counter, so a resumed run draws
    what an uninterrupted one would). The teacher is a
    :class:`~mmkd.models.teacher.FrozenTeacher`; the generator is in the
    module tree (checkpointed, dropped by ``export_student.py``).
    Optimizers: ``optim_wrapper = dict(constructor=
    'PerModuleOptimWrapperConstructor', generator=dict(...),
    architecture=dict(...))`` (``clip_grad`` per part as MMEngine's); for
    DDP ``model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')``.

    Log keys: ``gen.<name>`` (minus each discrepancy, as minimised),
    ``distill.<name>`` (mean over the iteration's student steps) and
    ``loss`` (the generator's loss plus the mean of the student steps').

    Args:
        architecture (dict | nn.Module): The student.
        teacher (dict | nn.Module): The teacher model.
        generator (dict | nn.Module): E.g. ``dict(type='DAFLGenerator',
            latent_dim=256, bn_eps=1e-5)`` (DFAD) or
            ``dict(type='ZSKTGenerator', latent_dim=100)``; needs a
            ``latent_dim``.
        distiller (dict): A ``ConfigurableDistiller``: the student's losses.
        generator_distiller (dict): A ``ConfigurableDistiller`` whose losses
            (positive weights) are the discrepancy the generator maximises;
            each must keep the teacher's gradient (``L1Discrepancy``,
            ``KLDiscrepancy``).
        teacher_ckpt (str, optional): Teacher checkpoint, loaded strictly.
        teacher_ckpt_optional (bool): Allow no teacher checkpoint (tests).
            Defaults to False.
        batch_size (int): Generated images per process and step.
            Defaults to 256.
        student_steps (int): Student steps per generator step.
            Defaults to 5.
        student_first (bool): Student steps before the generator step.
            Defaults to True.
        same_noise (bool): One noise batch for all steps of an iteration.
            Defaults to False.
        noise_seed (int, optional): Seed of the noise; None takes
            ``torch.initial_seed()`` (the run's seed). Defaults to None.
        data_preprocessor (dict, optional): Defaults to the student's (it
            only sees the real validation/test images).
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 architecture: Union[dict, nn.Module],
                 teacher: Union[dict, nn.Module],
                 generator: Union[dict, nn.Module],
                 distiller: dict,
                 generator_distiller: dict,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_optional: bool = False,
                 batch_size: int = 256,
                 student_steps: int = 5,
                 student_first: bool = True,
                 same_noise: bool = False,
                 noise_seed: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, 1.0, data_preprocessor, init_cfg)
        self.frozen_teacher = FrozenTeacher(
            build_network(teacher, 'teacher'),
            ckpt=teacher_ckpt,
            ckpt_optional=teacher_ckpt_optional,
            early_exit=False)
        self.generator = build_network(generator, 'generator')
        if not hasattr(self.generator, 'latent_dim'):
            raise TypeError('The generator must have a latent_dim (the size '
                            'of its noise input).')
        self.batch_size = _positive_int('batch_size', batch_size)
        self.student_steps = _positive_int('student_steps', student_steps)
        self.student_first = bool(student_first)
        self.same_noise = bool(same_noise)
        self.distiller = MODELS.build(distiller)
        self.generator_distiller = MODELS.build(generator_distiller)
        check_distillers(self.distiller, self.generator_distiller,
                         self.architecture, self.teacher,
                         type(self).__name__)
        register_noise_buffers(self, noise_seed, 'num_draws')

    @property
    def teacher(self) -> nn.Module:
        """The frozen teacher model."""
        return self.frozen_teacher.model

    def frozen_teachers(self) -> Iterator[FrozenTeacher]:
        yield self.frozen_teacher

    def draw_noise(self) -> torch.Tensor:
        """This process's slice of the next global noise batch."""
        return next_noise(self, 'num_draws')

    def train_step(self, data,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One iteration (a generator step and ``student_steps`` student
        steps). ``data`` is not read."""
        if not isinstance(optim_wrapper, OptimWrapperDict) or not {
                'generator', 'architecture'
        } <= set(optim_wrapper.keys()):
            raise TypeError(
                f'{type(self).__name__} needs optim_wrapper = '
                "dict(constructor='PerModuleOptimWrapperConstructor', "
                'generator=dict(...), architecture=dict(...)).')
        shared = self.draw_noise() if self.same_noise else None
        logs: Dict[str, torch.Tensor] = {}
        total = 0.
        order = ('student', 'generator') if self.student_first else \
            ('generator', 'student')
        for phase in order:
            if phase == 'generator':
                noise = self.draw_noise() if shared is None else shared
                loss, part_logs = self.generator_step(
                    noise, optim_wrapper['generator'])
                part_logs = {
                    k: v.detach()
                    for k, v in part_logs.items() if k != 'loss'
                }
            else:
                loss, part_logs = self.student_phase(
                    shared, optim_wrapper['architecture'])
            total = total + loss.detach()
            logs.update(part_logs)
        logs['loss'] = total
        return logs

    def loss(self, inputs: torch.Tensor, data_samples=None):
        raise RuntimeError(f'{type(self).__name__} trains through train_step '
                           "(generated images only); its 'loss' mode is not "
                           'used.')

    def teardown(self) -> None:
        """Remove the recorders' hooks."""
        self.distiller.teardown()
        self.generator_distiller.teardown()
