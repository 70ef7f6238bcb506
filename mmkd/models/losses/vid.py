"""Variational information distillation.

Ahn et al., "Variational Information Distillation for Knowledge Transfer",
CVPR 2019. A regressor predicts the teacher feature ``t`` from the student's,
``mu = r(s)``, with a learned per-channel variance ``sigma2_c``; the loss is
the Gaussian negative log-likelihood
``mean_{N,C,H,W} 0.5 * ((mu - t)^2 / sigma2_c + log sigma2_c)``.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.deprecation import renamed_args
from .base import BaseDistillLoss, Pairing, check_number
from .utils import check_feature_map


@MODELS.register_module(name=['VIDLoss', 'vid'])
class VIDLoss(BaseDistillLoss):
    """VID loss with its regressor and learned variance.

    The seed toolkit's names (``dict(type='vid', inC=16, midC=16,
    outC=16)``) still build it, with a DeprecationWarning naming the new
    ones.

    Args:
        in_channels (int): Channels of the student feature.
        mid_channels (int): Hidden channels of the regressor.
        out_channels (int): Channels of the teacher feature.
        init_pred_var (float): Initial variance ``sigma2``. Defaults to 5.0.
        eps (float): Lower bound added to the variance. Defaults to 1e-5.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing(
        'feature maps of the same size; the loss maps the channels '
        '(in_channels, mid_channels, out_channels)', ('stages', ),
        'size',
        student_channels=('in_channels', ),
        teacher_channels=('mid_channels', 'out_channels'))

    @renamed_args(inC='in_channels', midC='mid_channels', outC='out_channels')
    def __init__(self,
                 in_channels: int,
                 mid_channels: int,
                 out_channels: int,
                 init_pred_var: float = 5.0,
                 eps: float = 1e-5,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        eps = check_number('VIDLoss', 'eps', eps, '[0, inf)')
        check_number('VIDLoss', 'init_pred_var', init_pred_var)
        if init_pred_var <= eps:
            raise ValueError(f'VIDLoss: init_pred_var ({init_pred_var}) must '
                             f'be larger than eps ({eps}).')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.mid_channels = mid_channels
        self.regressor = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 1, bias=False), nn.ReLU(),
            nn.Conv2d(mid_channels, mid_channels, 1, bias=False), nn.ReLU(),
            nn.Conv2d(mid_channels, out_channels, 1, bias=False))
        # softplus(alpha) + eps == init_pred_var at the start
        alpha = math.log(math.expm1(init_pred_var - eps))
        self.alpha = nn.Parameter(torch.full((out_channels, ), alpha))
        self.eps = eps

    @property
    def variance(self) -> torch.Tensor:
        """The per-channel variance ``softplus(alpha) + eps``."""
        return F.softplus(self.alpha) + self.eps

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student feature, ``(N, in_channels, Hs, Ws)``.
            teacher (Tensor): Teacher feature, ``(N, out_channels, Ht,
                Wt)``. The
                larger of the two maps is average-pooled to the smaller.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_feature_map('VIDLoss', 'student', student)
        check_feature_map('VIDLoss', 'teacher', teacher)
        if student.size(1) != self.in_channels or \
                teacher.size(1) != self.out_channels:
            raise ValueError(
                f'VIDLoss: configured for in_channels={self.in_channels}, '
                f'out_channels={self.out_channels} but got a student feature '
                f'of shape {tuple(student.shape)} and a teacher feature of '
                f'shape {tuple(teacher.shape)}.')
        student = self.upcast_to_parameters(student)
        teacher = self.upcast_to_parameters(teacher.detach())
        s_hw, t_hw = student.shape[2:], teacher.shape[2:]
        if s_hw != t_hw:
            if s_hw[0] * s_hw[1] > t_hw[0] * t_hw[1]:
                student = F.adaptive_avg_pool2d(student, t_hw)
            else:
                teacher = F.adaptive_avg_pool2d(teacher, s_hw)
        with torch.autocast(device_type=student.device.type, enabled=False):
            mu = self.regressor(student)
            var = self.variance.view(1, -1, 1, 1)
            nll = 0.5 * ((mu - teacher)**2 / var + torch.log(var))
        return self.loss_weight * nll.mean()
