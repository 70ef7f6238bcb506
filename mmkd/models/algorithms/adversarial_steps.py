"""The generator and student steps of
:class:`~mmkd.models.algorithms.AdversarialDataFreeDistill` (a mixin: it
reads the algorithm's ``generator``, ``teacher``, ``architecture``,
``distiller``, ``generator_distiller``, ``student_steps`` and
``draw_noise``)."""
from typing import Dict, Optional

import torch
import torch.nn as nn

from ..recorders import RecorderManager, unwrap_model
from .adversarial_checks import no_weight_gradients


class AdversarialSteps:
    """One generator step, one student step, and a student phase."""

    def _run(self, network: nn.Module, model: nn.Module, name: str,
             images: torch.Tensor, recorders: RecorderManager) -> None:
        """``network`` (``model``, maybe DDP-wrapped) on ``images`` in its
        own normalisation, with ``recorders`` on."""
        with recorders.recording():
            network(self.inputs_for(model, images, name), None, mode='tensor')

    def teacher_records(self, images: torch.Tensor) -> RecorderManager:
        """The distiller's teacher records of ``images`` (no gradients),
        taken out so that several student steps can read them."""
        recorders = self.distiller.teacher_recorders
        recorders.reset()
        with torch.no_grad():
            self._run(self.teacher, self.teacher, 'teacher', images, recorders)
        return recorders.take()

    def generator_step(self, noise: torch.Tensor, wrapper) -> tuple:
        """One generator step on ``noise``; returns its loss and logs."""
        student = unwrap_model(self.architecture)
        part = self.generator_distiller
        part.reset()
        try:
            with wrapper.optim_context(self.generator):
                images = self.generator(noise)
                with no_weight_gradients(student):
                    self._run(student, student, 'student', images,
                              part.student_recorders)
                    self._run(self.teacher, self.teacher, 'teacher', images,
                              part.teacher_recorders)
                    discrepancy = part.compute_distill_losses()
        finally:
            part.reset()
        loss, logs = self.parse_losses({
            f'gen.{k}': -v
            for k, v in discrepancy.items()
        })
        wrapper.update_params(loss)
        return loss, logs

    def student_step(self, images: torch.Tensor,
                     teacher_records: RecorderManager, wrapper) -> tuple:
        """One student step on (detached) ``images``; returns its loss and
        logs."""
        recorders = self.distiller.student_recorders
        recorders.reset()
        try:
            with wrapper.optim_context(self.architecture):
                self._run(self.architecture, unwrap_model(self.architecture),
                          'student', images, recorders)
                losses = self.distiller.compute_distill_losses(
                    teacher_records=teacher_records)
        finally:
            recorders.reset()
        loss, logs = self.parse_losses({
            f'distill.{k}': v
            for k, v in losses.items()
        })
        wrapper.update_params(loss)
        return loss, logs

    def student_phase(self, shared: Optional[torch.Tensor], wrapper) -> tuple:
        """``student_steps`` student steps; new images for each unless a
        ``shared`` noise batch is given. Returns the mean loss and logs."""
        total: Dict[str, torch.Tensor] = {}
        for step in range(self.student_steps):
            if step == 0 or shared is None:
                noise = self.draw_noise() if shared is None else shared
                with torch.no_grad():
                    images = self.generator(noise)
                records = self.teacher_records(images)
            loss, logs = self.student_step(images, records, wrapper)
            for key, value in logs.items():
                total[key] = total.get(key, 0) + \
                    value.detach() / self.student_steps
        return total.pop('loss'), total
