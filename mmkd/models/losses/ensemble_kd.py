"""Knowledge distillation from the averaged soft targets of several teachers.

Hinton et al., "Distilling the Knowledge in a Neural Network", 2015 (soft
targets of an ensemble); You et al., "Learning from Multiple Teacher
Networks", KDD 2017 (averaged teacher outputs).
``loss = tau^2 * KL(sum_k w_k softmax(z_k / tau) || softmax(z_s / tau))``,
averaged over the batch, with ``sum_k w_k = 1``.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, check_number, tau_arg, upcast_all

Logits = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class EnsembleKDLoss(BaseDistillLoss):
    """KD against the (weighted) mean of the teachers' softened outputs.

    ``teacher`` is a list with one logits tensor per teacher (in the compact
    form, give one loss and the teachers' layers, e.g.
    ``teacher_distill_layer=['t1/linear', 't2/linear']`` with
    ``student_distill_layer=['linear', 'linear']``; the student's repeated
    layer arrives as a list of the same tensor). With one teacher it is
    :class:`KDLoss`.

    Args:
        tau (float): Temperature of all softmaxes (``T`` is accepted too).
            Defaults to 4.0.
        weights (Sequence[float], optional): One non-negative weight per
            teacher, normalised to sum to 1. Defaults to None (the mean).
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing(
        'logits with the logits of several teachers (layers chosen by '
        'hand)', (), 'same')

    def __init__(self,
                 tau: Optional[float] = None,
                 weights: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0,
                 *,
                 T: Optional[float] = None) -> None:
        super().__init__(loss_weight)
        name = type(self).__name__
        self.tau = tau_arg(name, tau, 4.0, 'T', T)
        if weights is not None:
            weights = [
                check_number(name, f'weights[{i}]', w, '[0, inf)')
                for i, w in enumerate(weights)
            ]
            if not weights or sum(weights) <= 0:
                raise ValueError(f'{name}: weights must hold at least one '
                                 f'positive number, got {weights}.')
        self.weights = weights

    def forward(self, student: Logits, teacher: Logits) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor | Sequence[Tensor]): Student logits ``(N, C)``;
                a list must repeat one tensor.
            teacher (Tensor | Sequence[Tensor]): One ``(N, C)`` logits
                tensor per teacher.

        Returns:
            Tensor: The weighted scalar loss.
        """
        name = type(self).__name__
        if isinstance(student, (list, tuple)):
            if not student or any(s is not student[0] for s in student):
                raise ValueError(
                    f'{name}: got {len(student)} different student inputs; '
                    'it takes one student logits tensor (the compact form '
                    'repeats the same student layer once per teacher).')
            student = student[0]
        teachers = [teacher] if isinstance(teacher, torch.Tensor) \
            else list(teacher)
        weights = self.weights or [1.0] * len(teachers)
        if len(weights) != len(teachers):
            raise ValueError(f'{name}: {len(weights)} weights for '
                             f'{len(teachers)} teachers.')
        for i, t in enumerate(teachers):
            if t.shape != student.shape or student.dim() != 2:
                raise ValueError(
                    f'{name}: teacher {i} logits {tuple(t.shape)} and '
                    f'student logits {tuple(student.shape)} must be the same '
                    '(N, C) shape.')
        student, *teachers = upcast_all(student,
                                        *[t.detach() for t in teachers])
        total = sum(weights)
        probs = sum(w / total * F.softmax(t / self.tau, dim=1)
                    for w, t in zip(weights, teachers))
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        kl = F.kl_div(log_p_s, probs, reduction='batchmean')
        return self.loss_weight * kl * self.tau**2
