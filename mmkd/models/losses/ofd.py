"""Overhaul of feature distillation (OFD).

Heo, Kim, Yun, Park, Kwak and Choi, "A Comprehensive Overhaul of Feature
Distillation", ICCV 2019. On pre-ReLU features, the teacher response is
clipped from below at a per-channel margin ``m_c = E[x | x < 0]`` for
``x ~ N(beta_c, gamma_c^2)`` of the teacher's BN, ``t' = max(t, m)``, and the
partial L2 ``sum((s - t')^2 * 1[s > t' or t' > 0]) / N`` is minimised.
"""
import math

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmkd.registry import MODELS
from ..recorders import LayerNotFoundError, resolve_module
from .base import FEATURE_MAPS, BaseDistillLoss, Pairing, upcast, upcast_all
from .utils import check_same_shape


def bn_margin(weight: torch.Tensor,
              bias: torch.Tensor,
              min_mass: float = 1e-3) -> torch.Tensor:
    """Per-channel expectation of the negative responses of a BN output.

    For ``x ~ N(mu, s^2)`` with ``mu = bias``, ``s = |weight|``:
    ``E[x | x < 0] = mu - s * phi(mu / s) / Phi(-mu / s)``. Where the
    negative mass ``Phi(-mu / s)`` is at most ``min_mass`` the estimate is
    unstable and ``-3 s`` is used instead, as in the official code.

    Args:
        weight (Tensor): BN scale ``gamma``, ``(C,)``.
        bias (Tensor): BN shift ``beta``, ``(C,)``.
        min_mass (float): Smallest negative mass for the closed form.
            Defaults to 1e-3.

    Returns:
        Tensor: Margins, ``(C,)``, in :func:`~.base.upcast` of the BN's
        dtype (float32 for a float32 or half-precision BN).
    """
    std = weight.detach().double().abs().clamp_min(1e-12)
    mean = bias.detach().double()
    z = mean / std
    neg_mass = 0.5 * torch.erfc(z / math.sqrt(2))  # Phi(-z)
    pdf = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    expected = mean - std * pdf / neg_mass.clamp_min(1e-300)
    margin = torch.where(neg_mass > min_mass, expected, -3 * std)
    return margin.to(upcast(weight).dtype)


@MODELS.register_module(name=['OFDLoss', 'ofd'])
class OFDLoss(BaseDistillLoss):
    """OFD's margin-ReLU partial L2 on one pair of pre-ReLU features.

    The student feature goes through a 1x1 conv + BN connector
    (``ConvBNConnector``) to the teacher's channels. The margins come from
    the teacher BN named ``teacher_bn`` (the one before the ReLU of the
    distilled feature) and are computed by :meth:`init_from_models`, which
    the distiller calls once after loading the teacher checkpoint; they are
    a non-persistent buffer, recomputed from the teacher on every build.

    Args:
        teacher_bn (str): Name of the teacher's BatchNorm whose ``weight``
            and ``bias`` give the margins, e.g. ``'layer3.2.bn2'``.
        loss_weight (float): Weight of the loss. The official CIFAR code
            uses 1e-3 (sum over C, H, W, mean over the batch). Defaults to
            1.0.
    """

    pairing = Pairing(FEATURE_MAPS.kind, ('stages', ), 'shape')

    def __init__(self, teacher_bn: str, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.teacher_bn = teacher_bn
        self.register_buffer('margin', torch.zeros(0), persistent=False)

    def init_from_models(self, student: nn.Module, teacher: nn.Module) -> None:
        """Compute the margins from the teacher's BN ``teacher_bn``.

        Args:
            student (nn.Module): The student (unused).
            teacher (nn.Module): The teacher, with its weights loaded.
        """
        try:
            bn = resolve_module(teacher, self.teacher_bn, 'teacher')
        except LayerNotFoundError as err:
            raise LayerNotFoundError(
                f'OFDLoss(teacher_bn={self.teacher_bn!r}): {err}') from None
        if not isinstance(bn, _BatchNorm) or bn.weight is None:
            raise TypeError(
                f'OFDLoss(teacher_bn={self.teacher_bn!r}): needs an affine '
                f'BatchNorm layer of the teacher, got {type(bn).__name__}.')
        self.margin = bn_margin(bn.weight, bn.bias).to(bn.weight.device)

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student pre-ReLU feature after the connector,
                ``(N, C, H, W)``.
            teacher (Tensor): Teacher pre-ReLU feature, ``(N, C, H, W)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('OFDLoss', student, teacher, ndim=4)
        if self.margin.numel() == 0:
            raise RuntimeError(
                f'OFDLoss(teacher_bn={self.teacher_bn!r}): margins not set; '
                'call init_from_models(student, teacher) once the teacher '
                'weights are loaded (the distiller does it).')
        if self.margin.numel() != teacher.size(1):
            raise ValueError(
                f'OFDLoss(teacher_bn={self.teacher_bn!r}) has '
                f'{self.margin.numel()} margins but the teacher feature has '
                f'shape {tuple(teacher.shape)}.')
        student, teacher = upcast_all(student, teacher.detach())
        margin = self.margin.to(student.device, student.dtype)
        target = torch.maximum(teacher, margin.view(1, -1, 1, 1))
        counted = (student > target) | (target > 0)
        sq = (student - target).pow(2) * counted
        return self.loss_weight * sq.sum() / student.size(0)
