"""Decoupled knowledge distillation.

Zhao, Cui, Song, Qiu and Liang, "Decoupled Knowledge Distillation", CVPR
2022. The KD loss is split at the ground-truth class ``y`` into a binary
target-class term and a term over the non-target classes:
``tau^2 * (alpha * KL(b_t || b_s) + beta * KL(q_t || q_s))`` with
``b = [p_y, 1 - p_y]``, ``p = softmax(z / tau)`` and ``q = softmax`` of the
non-target logits ``/ tau``; averaged over the batch.
"""
from types import MappingProxyType
from typing import Any, Optional, Tuple

import torch

from mmkd.registry import MODELS
from .base import LOGITS, BaseDistillLoss, check_number, tau_arg, upcast_all
from .utils import check_same_shape, class_labels


def _decoupled_log_probs(
        logits: torch.Tensor,
        target: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities of the binary (target / rest) split, ``(N, 2)``,
    and of the classes among the non-target ones, ``(N, C)`` with 0 at the
    target (log-sum-exp throughout, so nothing underflows)."""
    is_target = torch.zeros_like(logits, dtype=torch.bool)
    is_target.scatter_(1, target[:, None], True)
    log_all = torch.logsumexp(logits, dim=1, keepdim=True)
    log_rest = torch.logsumexp(
        logits.masked_fill(is_target, float('-inf')), dim=1, keepdim=True)
    binary = torch.cat([logits.gather(1, target[:, None]), log_rest],
                       dim=1) - log_all
    non_target = (logits - log_rest).masked_fill(is_target, 0.0)
    return binary, non_target


def _kl_rows(log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """``KL(p || q)`` per row, from log-probabilities."""
    return (log_p.exp() * (log_p - log_q)).sum(dim=1)


@MODELS.register_module(name=['DKDLoss', 'dkd'])
class DKDLoss(BaseDistillLoss):
    """Decoupled KD on logits: target-class KD (TCKD) and non-target-class
    KD (NCKD), weighted separately.

    Needs the ground-truth labels: the distiller takes them from each data
    sample's ``gt_label`` (``data_sample_inputs``); plain loops pass
    ``gt_labels``. The authors ramp the loss up linearly over the first 20
    epochs: add ``DistillLossWarmupHook(warmup_epochs=20)`` to the config's
    ``custom_hooks``.

    Args:
        alpha (float): Weight of TCKD. Defaults to 1.0.
        beta (float): Weight of NCKD. Defaults to 8.0.
        tau (float): Temperature (``T`` is accepted too). Defaults to 4.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = LOGITS

    data_sample_inputs = MappingProxyType(dict(gt_labels='gt_label'))

    def __init__(self,
                 alpha: float = 1.0,
                 beta: float = 8.0,
                 tau: Optional[float] = None,
                 loss_weight: float = 1.0,
                 *,
                 T: Optional[float] = None) -> None:
        super().__init__(loss_weight)
        self.alpha = check_number('DKDLoss', 'alpha', alpha, '[0, inf)')
        self.beta = check_number('DKDLoss', 'beta', beta, '[0, inf)')
        self.tau = tau_arg('DKDLoss', tau, 4.0, 'T', T)

    def forward(self,
                student: torch.Tensor,
                teacher: torch.Tensor,
                gt_labels: Optional[Any] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student logits, shape ``(N, C)``, ``C >= 2``.
            teacher (Tensor): Teacher logits, shape ``(N, C)``.
            gt_labels (Tensor | Sequence): One class index per sample.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('DKDLoss', student, teacher, ndim=2)
        if student.size(1) < 2:
            raise ValueError('DKDLoss: needs at least 2 classes, got logits '
                             f'of shape {tuple(student.shape)}.')
        target = class_labels('DKDLoss', gt_labels, student)
        student, teacher = upcast_all(student, teacher.detach())
        binary_s, rest_s = _decoupled_log_probs(student / self.tau, target)
        binary_t, rest_t = _decoupled_log_probs(teacher / self.tau, target)
        tckd = _kl_rows(binary_t, binary_s)
        nckd = _kl_rows(rest_t, rest_s)
        loss = (self.alpha * tckd + self.beta * nckd).mean() * self.tau**2
        return self.loss_weight * loss
