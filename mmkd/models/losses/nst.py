"""Neuron selectivity transfer.

Huang & Wang, "Like What You Like: Knowledge Distill via Neuron Selectivity
Transfer", arXiv 2017. Each channel's ``H*W`` map is L2-normalised and
treated as a sample; the loss is the squared MMD between the student and
teacher channel sets with the kernel ``k(x, y) = (x^T y + c)^d``, averaged
over the batch.
"""
from typing import Optional

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .at import aligned_map_pairs, check_align
from .base import SAME_SIZE_MAPS, BaseDistillLoss, Levels, check_number


@MODELS.register_module(name=['NSTLoss', 'nst'])
class NSTLoss(BaseDistillLoss):
    """Squared MMD between channel-wise normalised feature distributions.

    Student and teacher may have different channel counts (the MMD compares
    sets of channels); the spatial sizes must match unless ``align`` says
    how to reconcile them.

    Args:
        degree (int): Degree ``d`` of the polynomial kernel. Defaults to 2.
        coef (float): Constant ``c`` of the polynomial kernel. Defaults to 0.
        align (str, optional): ``None`` (error on different sizes),
            ``'pool'`` or ``'interpolate'``; see
            :func:`mmkd.models.losses.at.align_spatial`.
        eps (float): Lower bound of the norms. Defaults to 1e-12.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = SAME_SIZE_MAPS

    def __init__(self,
                 degree: int = 2,
                 coef: float = 0.0,
                 align: Optional[str] = None,
                 eps: float = 1e-12,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        check_align('NSTLoss', align)
        self.degree = check_number(
            'NSTLoss', 'degree', degree, '[1, inf)', integer=True)
        self.coef = check_number('NSTLoss', 'coef', coef, '[0, inf)')
        self.align = align
        self.eps = check_number('NSTLoss', 'eps', eps, '[0, inf)')

    def kernel_mean(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Mean of ``k(a_i, b_j)`` over the batch and all channel pairs."""
        return (a @ b.transpose(1, 2) + self.coef).pow(self.degree).mean()

    def forward(self, student: Levels, teacher: Levels) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor | list[Tensor]): Student map(s), ``(N, Cs, H, W)``.
            teacher (Tensor | list[Tensor]): Teacher map(s), ``(N, Ct, H, W)``.

        Returns:
            Tensor: The weighted scalar loss, summed over levels.
        """
        total = 0.
        pairs = self.levels(student, teacher)
        for s, t in aligned_map_pairs('NSTLoss', pairs, self.align):
            s = F.normalize(s.flatten(2), p=2, dim=2, eps=self.eps)
            t = F.normalize(t.flatten(2), p=2, dim=2, eps=self.eps)
            total = total + self.kernel_mean(s, s) + self.kernel_mean(
                t, t) - 2 * self.kernel_mean(s, t)
        return self.loss_weight * total
