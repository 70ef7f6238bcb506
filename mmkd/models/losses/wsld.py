"""Weighted soft label distillation.

Zhou, Song, Chen, Zhou, Wang, Yuan and Zhang, "Rethinking Soft Labels for
Knowledge Distillation: A Bias-Variance Tradeoff Perspective", ICLR 2021.
Each sample's KD term is weighted by ``w = 1 - exp(-CE_s / CE_t)``, the
cross-entropies of student and teacher (temperature 1) on the label:
``tau^2 * mean_i w_i * KL(softmax(t_i / tau) || softmax(s_i / tau))``.
"""
from types import MappingProxyType
from typing import Any, Optional

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import LOGITS, BaseDistillLoss, check_number, tau_arg, upcast_all
from .utils import check_same_shape, class_labels


@MODELS.register_module(name=['WSLDLoss', 'wsld'])
class WSLDLoss(BaseDistillLoss):
    """KD with per-sample weights from the student/teacher CE ratio.

    A sample the teacher fits better than the student (``CE_s > CE_t``)
    gets a weight near 1; one where the student is already better than the
    teacher, a small weight. The weights carry no gradient. The authors
    write the soft term as the cross-entropy with the teacher's soft
    labels; here it is the KL divergence, which differs from it by the
    teacher's entropy: the same gradients, and 0 when the student matches
    the teacher.

    Needs the ground-truth labels: the distiller takes them from each data
    sample's ``gt_label`` (``data_sample_inputs``); plain loops pass
    ``gt_labels``.

    Args:
        tau (float): Temperature of the soft labels (``T`` is accepted
            too). Defaults to 2.0.
        eps (float): Added to the teacher's cross-entropy in the ratio.
            Defaults to 1e-7.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = LOGITS

    data_sample_inputs = MappingProxyType(dict(gt_labels='gt_label'))

    def __init__(self,
                 tau: Optional[float] = None,
                 eps: float = 1e-7,
                 loss_weight: float = 1.0,
                 *,
                 T: Optional[float] = None) -> None:
        super().__init__(loss_weight)
        self.tau = tau_arg('WSLDLoss', tau, 2.0, 'T', T)
        self.eps = check_number('WSLDLoss', 'eps', eps, '[0, inf)')

    def forward(self,
                student: torch.Tensor,
                teacher: torch.Tensor,
                gt_labels: Optional[Any] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student logits, shape ``(N, C)``.
            teacher (Tensor): Teacher logits, shape ``(N, C)``.
            gt_labels (Tensor | Sequence): One class index per sample.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('WSLDLoss', student, teacher, ndim=2)
        labels = class_labels('WSLDLoss', gt_labels, student)
        student, teacher = upcast_all(student, teacher.detach())
        with torch.no_grad():
            ce_s = F.cross_entropy(student, labels, reduction='none')
            ce_t = F.cross_entropy(teacher, labels, reduction='none')
            weight = 1 - torch.exp(-(ce_s / (ce_t + self.eps)).clamp(min=0))
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        log_p_t = F.log_softmax(teacher / self.tau, dim=1)
        kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=1)
        loss = (weight * kl).mean() * self.tau**2
        return self.loss_weight * loss
