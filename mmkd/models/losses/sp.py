"""Similarity-preserving knowledge distillation.

Tung & Mori, "Similarity-Preserving Knowledge Distillation", ICCV 2019. With
``F`` the ``(b, -1)`` flattened features of a batch, ``G = rownorm(F F^T)``
and ``loss = ||G_s - G_t||_F^2 / b^2``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Levels, Pairing, check_number, upcast_all
from .utils import level_name, widen


@MODELS.register_module(name=['SPLoss', 'sp'])
class SPLoss(BaseDistillLoss):
    """Match the batch similarity matrices of student and teacher.

    Works on any per-sample features (maps, vectors); student and teacher
    only need the same batch size. Several levels are summed.

    Args:
        eps (float): Lower bound of the row norms. Defaults to 1e-12.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing('per-sample features of any shape (batch relations)',
                      ('stages', 'embedding'), 'none')

    def __init__(self, eps: float = 1e-12, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.eps = check_number('SPLoss', 'eps', eps, '[0, inf)')

    def similarity(self, feature: torch.Tensor) -> torch.Tensor:
        """Row-normalised ``(b, b)`` Gram matrix of the batch."""
        flat = feature.flatten(1)
        return F.normalize(flat @ flat.t(), p=2, dim=1, eps=self.eps)

    def forward(self, student: Levels, teacher: Levels) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor | list[Tensor]): Student feature(s), ``(b, ...)``.
            teacher (Tensor | list[Tensor]): Teacher feature(s), ``(b, ...)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        pairs = self.levels(student, teacher)
        total = 0.
        for i, (s, t) in enumerate(pairs):
            if s.dim() < 2 or t.dim() < 2 or s.size(0) != t.size(0):
                raise ValueError(
                    f'{level_name("SPLoss", i, len(pairs))}: expects '
                    '(b, ...) inputs with the same batch size, got student '
                    f'{tuple(s.shape)} and teacher {tuple(t.shape)}.')
            s, t = upcast_all(s, t.detach())
            dtype = s.dtype
            s, t = widen(s, t)
            diff = self.similarity(s) - self.similarity(t)
            total = total + diff.pow(2).sum() / s.size(0)**2
        return (self.loss_weight * total).to(dtype)
