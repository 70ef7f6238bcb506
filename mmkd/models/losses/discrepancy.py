"""Model discrepancies of adversarial data-free distillation, the
quantities the generator maximises and the student minimises.

Fang et al., "Data-Free Adversarial Distillation", 2019 (DFAD):
``mean |z_s - z_t|`` over the logits. Micaelli & Storkey, "Zero-shot
Knowledge Transfer via Adversarial Belief Matching", NeurIPS 2019 (ZSKT):
``tau^2 * KL(softmax(z_t / tau) || softmax(z_s / tau))``. Unlike
:class:`~mmkd.models.losses.L1Loss` and :class:`~mmkd.models.losses.KDLoss`
the teacher's side is not detached: the generator learns through both
networks.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import LOGITS, BaseDistillLoss, tau_arg, upcast_all
from .utils import check_same_shape

REDUCTIONS = ('batchmean', 'mean')


class BaseDiscrepancy(BaseDistillLoss):
    """A discrepancy keeps the gradient of both of its inputs (what
    ``AdversarialDataFreeDistill`` checks of its generator's losses)."""

    keeps_teacher_gradient = True
    pairing = LOGITS


@MODELS.register_module()
class L1Discrepancy(BaseDiscrepancy):
    """``mean |student - teacher|`` over every element (DFAD's
    ``F.l1_loss``), differentiable in both inputs.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """The weighted mean absolute difference of two ``(N, C)`` tensors
        (logits)."""
        check_same_shape(type(self).__name__, student, teacher, ndim=2)
        student, teacher = upcast_all(student, teacher)
        return self.loss_weight * (student - teacher).abs().mean()


@MODELS.register_module()
class KLDiscrepancy(BaseDiscrepancy):
    """``tau^2 * KL(softmax(t / tau) || softmax(s / tau))``, differentiable
    in both inputs.

    Args:
        tau (float): Temperature. Defaults to 1.0.
        reduction (str): ``'batchmean'`` (the KL summed over the classes,
            averaged over the batch) or ``'mean'`` (averaged over the
            batch and the classes: ZSKT's code, ``F.kl_div``'s default
            then). Defaults to ``'batchmean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 tau: float = 1.0,
                 reduction: str = 'batchmean',
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.tau = tau_arg(type(self).__name__, tau, 1.0)
        if reduction not in REDUCTIONS:
            raise ValueError(f'KLDiscrepancy: reduction must be one of '
                             f'{REDUCTIONS}, got {reduction!r}.')
        self.reduction = reduction

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """The weighted divergence of two ``(N, C)`` logit tensors."""
        check_same_shape(type(self).__name__, student, teacher, ndim=2)
        student, teacher = upcast_all(student, teacher)
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        log_p_t = F.log_softmax(teacher / self.tau, dim=1)
        kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum()
        kl = kl / (
            student.numel() if self.reduction == 'mean' else student.size(0))
        return self.loss_weight * kl * self.tau**2
