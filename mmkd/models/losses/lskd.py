"""KD on standardised logits.

Sun, Ren, Li, Wang and Cao, "Logit Standardization in Knowledge
Distillation", CVPR 2024. Each sample's logits are z-scored over the
classes, ``Z(z) = (z - mean(z)) / (std(z) + eps)``, before vanilla KD with
a base temperature: ``tau^2 * KL(softmax(Z(t) / tau) || softmax(Z(s) /
tau))``, averaged over the batch.
"""
from typing import Optional

import torch

from mmkd.registry import MODELS
from .base import LOGITS, check_number, upcast_all
from .kd import KDLoss
from .utils import check_same_shape


def standardize_logits(logits: torch.Tensor, eps: float) -> torch.Tensor:
    """Z-score each row over the classes (Bessel-corrected std, as in the
    authors' code)."""
    mean = logits.mean(dim=1, keepdim=True)
    std = logits.std(dim=1, keepdim=True)
    return (logits - mean) / (std + eps)


@MODELS.register_module(name=['LogitStandardKDLoss', 'lskd'])
class LogitStandardKDLoss(KDLoss):
    """Vanilla KD on z-scored logits.

    The student need not match the teacher's logit range, only its logit
    relations: the loss is unchanged when either side's logits are shifted
    or scaled per sample. The effective temperature of each sample is
    ``tau * std(z)``.

    Args:
        tau (float): Base temperature applied to the standardised logits
            (``T`` is accepted too). Defaults to 2.0.
        eps (float): Added to the standard deviation. Defaults to 1e-7.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = LOGITS

    default_tau = 2.0

    def __init__(self,
                 tau: Optional[float] = None,
                 eps: float = 1e-7,
                 loss_weight: float = 1.0,
                 *,
                 T: Optional[float] = None) -> None:
        super().__init__(tau, loss_weight, T=T)
        self.eps = check_number(type(self).__name__, 'eps', eps, '[0, inf)')

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student logits, shape ``(N, C)``, ``C >= 2``.
            teacher (Tensor): Teacher logits, shape ``(N, C)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('LogitStandardKDLoss', student, teacher, ndim=2)
        if student.size(1) < 2:
            raise ValueError(
                'LogitStandardKDLoss: needs at least 2 classes to '
                f'standardise, got logits of shape {tuple(student.shape)}.')
        student, teacher = upcast_all(student, teacher.detach())
        return self.loss_weight * self.divergence(
            standardize_logits(student, self.eps),
            standardize_logits(teacher, self.eps))
