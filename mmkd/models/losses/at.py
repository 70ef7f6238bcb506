"""Attention transfer.

Zagoruyko & Komodakis, "Paying More Attention to Attention: Improving the
Performance of Convolutional Neural Networks via Attention Transfer", ICLR
2017. Attention map ``a = normalize(flatten(mean_c |f_c|^p))`` (L2 per
sample, p=2); loss ``sum_levels mean_{N,HW} (a_s - a_t)^2``.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import (SAME_SIZE_MAPS, BaseDistillLoss, Levels, check_number,
                   upcast_all)
from .utils import check_feature_map, level_name

ALIGN_MODES = (None, 'pool', 'interpolate')


def align_spatial(loss_name: str, student: torch.Tensor, teacher: torch.Tensor,
                  align: Optional[str]):
    """Bring two ``(N, C, H, W)`` maps to one spatial size.

    Args:
        loss_name (str): Name of the loss, for the message.
        student (Tensor): Student map.
        teacher (Tensor): Teacher map.
        align (str, optional): ``None``: different sizes are an error;
            ``'pool'``: adaptive-average-pool the larger map to the smaller
            size; ``'interpolate'``: bilinearly resize the student map to the
            teacher size.

    Returns:
        tuple[Tensor, Tensor]: The student and teacher maps.
    """
    s_hw, t_hw = tuple(student.shape[2:]), tuple(teacher.shape[2:])
    if s_hw == t_hw:
        return student, teacher
    if align is None:
        raise ValueError(
            f'{loss_name}: student map {tuple(student.shape)} and teacher map '
            f'{tuple(teacher.shape)} differ in spatial size; pick layers of '
            "equal resolution or set align='pool' or 'interpolate'.")
    if align == 'interpolate':
        return F.interpolate(
            student, size=t_hw, mode='bilinear', align_corners=False), teacher
    if s_hw[0] * s_hw[1] > t_hw[0] * t_hw[1]:
        return F.adaptive_avg_pool2d(student, t_hw), teacher
    return student, F.adaptive_avg_pool2d(teacher, s_hw)


def check_align(loss_name: str, align: Optional[str]) -> None:
    """Raise a ValueError on an unknown ``align`` mode."""
    if align not in ALIGN_MODES:
        raise ValueError(f'{loss_name}: align must be one of {ALIGN_MODES}, '
                         f'got {align!r}.')


def aligned_map_pairs(
        loss_name: str, pairs: Sequence[Tuple[torch.Tensor, torch.Tensor]],
        align: Optional[str]) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """Checked ``(student, teacher)`` maps per level (from
    :meth:`~.base.BaseDistillLoss.levels`) in the compute dtype, the teacher
    detached, brought to one spatial size by :func:`align_spatial`.

    Channel counts may differ; batch sizes must match.
    """
    out = []
    for i, (s, t) in enumerate(pairs):
        name = level_name(loss_name, i, len(pairs))
        check_feature_map(name, 'student', s)
        check_feature_map(name, 'teacher', t)
        if s.size(0) != t.size(0):
            raise ValueError(f'{name}: student batch {tuple(s.shape)} and '
                             f'teacher batch {tuple(t.shape)} differ.')
        out.append(align_spatial(name, *upcast_all(s, t.detach()), align))
    return out


@MODELS.register_module(name=['ATLoss', 'at'])
class ATLoss(BaseDistillLoss):
    """Attention-transfer loss over one or several feature-map levels.

    Student and teacher may have different channel counts; the spatial
    sizes must match unless ``align`` says how to reconcile them.

    Args:
        p (float): Exponent of the activations. Defaults to 2.
        align (str, optional): ``None`` (error on different sizes),
            ``'pool'`` or ``'interpolate'``; see :func:`align_spatial`.
        eps (float): Lower bound of the norm in the normalisation.
            Defaults to 1e-12.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = SAME_SIZE_MAPS

    def __init__(self,
                 p: float = 2.0,
                 align: Optional[str] = None,
                 eps: float = 1e-12,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        check_align('ATLoss', align)
        self.p = check_number('ATLoss', 'p', p)
        self.align = align
        self.eps = check_number('ATLoss', 'eps', eps, '[0, inf)')

    def attention(self, feature: torch.Tensor) -> torch.Tensor:
        """L2-normalised spatial attention map, ``(N, H*W)``."""
        att = feature.abs().pow(self.p).mean(dim=1).flatten(1)
        return F.normalize(att, p=2, dim=1, eps=self.eps)

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
        for s, t in aligned_map_pairs('ATLoss', pairs, self.align):
            total = total + (self.attention(s) -
                             self.attention(t)).pow(2).mean()
        return self.loss_weight * total
