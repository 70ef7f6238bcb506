"""Correlation congruence.

Peng et al., "Correlation Congruence for Knowledge Distillation", ICCV 2019.
Correlations between the L2-normalised embeddings of a batch use a Gaussian
RBF kernel, approximated by its ``P``-order Taylor series:
``k(x, y) = sum_{p<=P} exp(-2 gamma) (2 gamma)^p / p! * (x . y)^p``;
``loss = mean_{i, j} (k_s(i, j) - k_t(i, j))^2``.
"""
import math

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, check_number
from .utils import batch_embeddings, widen


@MODELS.register_module(name=['CCLoss', 'cc'])
class CCLoss(BaseDistillLoss):
    """MSE between the student's and the teacher's instance correlation
    matrices.

    The embeddings usually come from learned connectors on both sides
    (:class:`~mmkd.models.connectors.LinearEmbedConnector`, the penultimate
    feature mapped to 128-d), named by the student's and the teacher's
    entries of ``loss_forward_mappings`` (explicit form). The teacher's
    recorded feature carries no gradient (the teacher runs under
    ``no_grad``), so by default the teacher input is *not* detached: the
    only thing its graph reaches is the teacher-side connector, which the
    loss trains along with the student's, as in RepDistiller. Student and
    teacher embeddings may differ in size.

    Args:
        gamma (float): Kernel parameter ``gamma`` of
            ``exp(-gamma * ||x - y||^2)``. Defaults to 0.4.
        p_order (int): Order ``P`` of the Taylor series. Defaults to 2.
        detach_teacher (bool): Detach the teacher input (freezes a
            teacher-side connector). Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 gamma: float = 0.4,
                 p_order: int = 2,
                 detach_teacher: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.gamma = check_number('CCLoss', 'gamma', gamma)
        self.p_order = check_number('CCLoss', 'p_order', p_order, '[0, inf)',
                                    integer=True)
        self.detach_teacher = detach_teacher
        self.coefficients = [
            math.exp(-2 * self.gamma) * (2 * self.gamma)**p /
            math.factorial(p)
            for p in range(self.p_order + 1)
        ]

    def correlation(self, embed: torch.Tensor) -> torch.Tensor:
        """``(N, N)`` Taylor-approximated RBF kernel of the rows."""
        unit = F.normalize(embed, dim=1)
        cosine = unit @ unit.t()
        corr = torch.zeros_like(cosine)
        power = torch.ones_like(cosine)
        for coefficient in self.coefficients:
            corr = corr + coefficient * power
            power = power * cosine
        return corr

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student embeddings, ``(N, Ds)`` or
                ``(N, C, H, W)``.
            teacher (Tensor): Teacher embeddings, ``(N, Dt)`` or
                ``(N, C, H, W)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        student, teacher = batch_embeddings(
            'CCLoss', student, teacher, detach_teacher=self.detach_teacher)
        dtype = student.dtype
        student, teacher = widen(student, teacher)
        diff = self.correlation(student) - self.correlation(teacher)
        return (self.loss_weight * diff.pow(2).mean()).to(dtype)
