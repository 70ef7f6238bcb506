"""Flow of solution procedure (FSP) distillation.

Yim et al., "A Gift from Knowledge Distillation: Fast Optimization, Network
Minimization and Transfer Learning", CVPR 2017. For consecutive maps ``F1``
``(C1, h, w)`` and ``F2`` ``(C2, h, w)`` (the larger pooled to the smaller),
``G = F1 F2^T / (h w)``; loss ``sum_pairs mean (G_s - G_t)^2``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, upcast_all
from .utils import check_feature_map


@MODELS.register_module(name=['FSPLoss', 'fsp'])
class FSPLoss(BaseDistillLoss):
    """MSE between the student's and teacher's FSP matrices of consecutive
    layers.

    Given ``L`` layers per network it compares the ``L - 1`` FSP matrices of
    the pairs ``(0, 1), (1, 2), ...``; student and teacher need the same
    channel counts at every layer.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing(
        'consecutive feature maps of each network: one loss over a list '
        'of layers chosen by hand', (), 'none')

    @staticmethod
    def fsp_matrix(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        """``(N, C1, C2)`` FSP matrix of two maps of one network."""
        h1, w1 = first.shape[2:]
        h2, w2 = second.shape[2:]
        if h1 * w1 > h2 * w2:
            first = F.adaptive_avg_pool2d(first, (h2, w2))
        elif h2 * w2 > h1 * w1:
            second = F.adaptive_avg_pool2d(second, (h1, w1))
        first, second = first.flatten(2), second.flatten(2)
        return first @ second.transpose(1, 2) / first.size(2)

    @staticmethod
    def _check(student, teacher) -> None:
        for side, maps in (('student', student), ('teacher', teacher)):
            if not isinstance(maps, (list, tuple)) or len(maps) < 2:
                raise ValueError(
                    f'FSPLoss: the {side} input must be a list of at least '
                    'two feature maps (consecutive layers), got '
                    f'{type(maps).__name__} of length '
                    f'{len(maps) if isinstance(maps, (list, tuple)) else 1}.')
            for m in maps:
                check_feature_map('FSPLoss', side, m)
        if len(student) != len(teacher):
            raise ValueError(f'FSPLoss: the student has {len(student)} '
                             f'layers, the teacher {len(teacher)}.')
        s_ch = [m.size(1) for m in student]
        t_ch = [m.size(1) for m in teacher]
        if s_ch != t_ch:
            raise ValueError(
                f'FSPLoss: needs equal channels in student and teacher, got '
                f'student shapes {[tuple(m.shape) for m in student]} and '
                f'teacher shapes {[tuple(m.shape) for m in teacher]}.')

    def forward(self, student, teacher) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (list[Tensor]): Student maps of consecutive layers.
            teacher (list[Tensor]): Teacher maps of the same layers.

        Returns:
            Tensor: The weighted scalar loss, summed over layer pairs.
        """
        self._check(student, teacher)
        maps = upcast_all(*student, *(m.detach() for m in teacher))
        student, teacher = maps[:len(student)], maps[len(student):]
        total = 0.
        for i in range(len(student) - 1):
            g_s = self.fsp_matrix(student[i], student[i + 1])
            g_t = self.fsp_matrix(teacher[i], teacher[i + 1])
            total = total + (g_s - g_t).pow(2).mean()
        return self.loss_weight * total
