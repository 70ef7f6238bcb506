"""Vanilla knowledge distillation.

Hinton et al., "Distilling the Knowledge in a Neural Network", 2015.
``loss = tau^2 * KL(softmax(z_t / tau) || softmax(z_s / tau))``, averaged
over the batch.
"""
from typing import Optional

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import LOGITS, BaseDistillLoss, tau_arg, upcast_all
from .utils import check_same_shape


@MODELS.register_module(name=['KDLoss', 'vanilla_kd'])
class KDLoss(BaseDistillLoss):
    """Soft-target distillation loss on logits.

    Args:
        tau (float): Temperature that softens both distributions. The seed
            toolkit's spelling ``T`` (``dict(type='vanilla_kd', T=4)``) is
            accepted too. Defaults to 4.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = LOGITS

    default_tau = 4.0

    def __init__(self,
                 tau: Optional[float] = None,
                 loss_weight: float = 1.0,
                 *,
                 T: Optional[float] = None) -> None:
        super().__init__(loss_weight)
        self.tau = tau_arg(type(self).__name__, tau, self.default_tau, 'T', T)

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student logits, shape ``(N, C)``.
            teacher (Tensor): Teacher logits, shape ``(N, C)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape(type(self).__name__, student, teacher, ndim=2)
        student, teacher = upcast_all(student, teacher.detach())
        return self.loss_weight * self.divergence(student, teacher)

    def divergence(self, student: torch.Tensor,
                   teacher: torch.Tensor) -> torch.Tensor:
        """``tau^2 * KL(softmax(t / tau) || softmax(s / tau))``, averaged
        over the batch, unweighted."""
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        log_p_t = F.log_softmax(teacher / self.tau, dim=1)
        kl = F.kl_div(log_p_s, log_p_t, reduction='batchmean', log_target=True)
        return kl * self.tau**2
