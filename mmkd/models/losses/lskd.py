"""KD on standardised logits.

Sun, Ren, Li, Wang and Cao, "Logit Standardization in Knowledge
Distillation", CVPR 2024. Each sample's logits are z-scored over the
classes, ``Z(z) = (z - mean(z)) / (std(z) + eps)``, before vanilla KD with
a base temperature: ``T^2 * KL(softmax(Z(t) / T) || softmax(Z(s) / T))``,
averaged over the batch.
"""
import torch

from mmkd.registry import MODELS
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
    ``T * std(z)``.

    Args:
        T (float): Base temperature applied to the standardised logits.
            Defaults to 2.0.
        eps (float): Added to the standard deviation. Defaults to 1e-7.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 T: float = 2.0,
                 eps: float = 1e-7,
                 loss_weight: float = 1.0) -> None:
        if T <= 0:
            raise ValueError(
                f'LogitStandardKDLoss: T must be positive, got {T}.')
        super().__init__(T=T, loss_weight=loss_weight)
        self.eps = eps

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
        return super().forward(
            standardize_logits(student.float(), self.eps),
            standardize_logits(teacher.detach().float(), self.eps))
