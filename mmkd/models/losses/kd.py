"""Vanilla knowledge distillation.

Hinton et al., "Distilling the Knowledge in a Neural Network", 2015.
``loss = T^2 * KL(softmax(z_t / T) || softmax(z_s / T))``, averaged over the
batch.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .utils import check_same_shape


@MODELS.register_module(name=['KDLoss', 'vanilla_kd'])
class KDLoss(nn.Module):
    """Soft-target distillation loss on logits.

    Args:
        T (float): Temperature that softens both distributions.
            Defaults to 4.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, T: float = 4.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        if T <= 0:
            raise ValueError(f'KDLoss: T must be positive, got {T}.')
        self.T = T
        self.loss_weight = loss_weight

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student logits, shape ``(N, C)``.
            teacher (Tensor): Teacher logits, shape ``(N, C)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('KDLoss', student, teacher, ndim=2)
        log_p_s = F.log_softmax(student.float() / self.T, dim=1)
        log_p_t = F.log_softmax(teacher.detach().float() / self.T, dim=1)
        kl = F.kl_div(log_p_s, log_p_t, reduction='batchmean', log_target=True)
        return self.loss_weight * kl * self.T**2
