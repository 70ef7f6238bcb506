"""Knowledge review: multi-level feature distillation with residual fusion.

Chen et al., "Distilling Knowledge via Knowledge Review", CVPR 2021. Student
stages, deepest first, are fused by attention-based fusion (ABF) modules
(``x_i`` merged with the upsampled fused map of the deeper stages, then
mapped to teacher stage ``i``); each output meets teacher stage ``i`` in the
hierarchical context loss
``HCL(s, t) = sum_k w_k MSE(pool_k(s), pool_k(t)) / sum_k w_k`` over the full
map and 4x4, 2x2, 1x1 average poolings (smaller than the map), ``w = 1, 1/2,
1/4, 1/8``; the loss is the sum of HCL over stages.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.deprecation import renamed_args
from .base import BaseDistillLoss, Levels, Pairing
from .utils import check_feature_map

NAME = 'ReviewKDLoss'


class AttentionFusion(nn.Module):
    """One ABF module: student stage -> mid channels, fused with the deeper
    residual by two learned attention maps, -> teacher channels.

    Args:
        in_channels (int): Channels of the student stage.
        mid_channels (int): Channels of the fused (residual) maps.
        out_channels (int): Channels of the teacher stage.
        fuse (bool): Whether a deeper residual is fused in (False for the
            deepest stage).
    """

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int,
                 fuse: bool) -> None:
        super().__init__()
        self.reduce = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 1, bias=False),
            nn.BatchNorm2d(mid_channels))
        self.attention = nn.Sequential(
            nn.Conv2d(2 * mid_channels, 2, 1), nn.Sigmoid()) if fuse else None
        self.project = nn.Sequential(
            nn.Conv2d(mid_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels))
        for conv in (self.reduce[0], self.project[0]):
            nn.init.kaiming_uniform_(conv.weight, a=1)

    def forward(
            self, feature: torch.Tensor, residual: Optional[torch.Tensor],
            out_size: Tuple[int, int]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Return ``(output at out_size, fused map for shallower stages)``."""
        x = self.reduce(feature)
        if self.attention is not None:
            residual = F.interpolate(residual, x.shape[2:], mode='nearest')
            att = self.attention(torch.cat([x, residual], dim=1))
            x = x * att[:, :1] + residual * att[:, 1:]
        if tuple(x.shape[2:]) != tuple(out_size):
            x = F.interpolate(x, out_size, mode='nearest')
        return self.project(x), x


def hierarchical_context_loss(student: torch.Tensor, teacher: torch.Tensor,
                              pool_sizes: Sequence[int]) -> torch.Tensor:
    """HCL of one stage: weighted mean of the MSEs of the full maps and of
    their ``k x k`` average poolings for each ``k`` in ``pool_sizes``
    smaller than the map; weights halve from level to level."""
    loss = F.mse_loss(student, teacher)
    weight, total = 1.0, 1.0
    for k in pool_sizes:
        if k >= student.size(2):
            continue
        weight /= 2.0
        loss = loss + weight * F.mse_loss(
            F.adaptive_avg_pool2d(student, k), F.adaptive_avg_pool2d(
                teacher, k))
        total += weight
    return loss / total


@MODELS.register_module(name=['ReviewKDLoss', 'reviewkd'])
class ReviewKDLoss(BaseDistillLoss):
    """ReviewKD: ABF fusion of the student stages + hierarchical context loss.

    The ABF modules (the learnable part) live in the loss rather than in a
    connector: each fuses *all* deeper student stages, while connectors act
    on one recorded tensor each (the compact form applies them per student
    layer). Keeping them here lets the compact form express the method as
    one loss over all layers, e.g. on CIFAR ResNets
    ``student_distill_layer=['layer1', 'layer2', 'layer3', 'avgpool']``
    (the pooled embedding as the deepest, 1x1 stage, as in the paper's
    CIFAR setting).

    Args:
        in_channels (Sequence[int]): Channels of the student stages,
            shallow to deep.
        out_channels (Sequence[int]): Channels of the teacher stages,
            same order and length.
        mid_channels (int, optional): Channels of the fused maps. Defaults
            to ``min(512, in_channels[-1])`` as in the official code.
        pool_sizes (Sequence[int]): Pyramid of the HCL below the full map.
            Defaults to ``(4, 2, 1)``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing(
        'the stages and the embedding, shallow to deep: one loss over a '
        'list of layers chosen by hand', (),
        'none',
        student_channels=('in_channels', ),
        teacher_channels=('out_channels', ))

    @renamed_args(
        student_channels='in_channels', teacher_channels='out_channels')
    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: Sequence[int],
                 mid_channels: Optional[int] = None,
                 pool_sizes: Sequence[int] = (4, 2, 1),
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if len(in_channels) != len(out_channels) or \
                not in_channels:
            raise ValueError(
                f'{NAME}: in_channels {list(in_channels)} and '
                f'out_channels {list(out_channels)} must be '
                'non-empty and of the same length (one entry per stage).')
        self.in_channels = list(in_channels)
        self.out_channels = list(out_channels)
        mid = mid_channels or min(512, self.in_channels[-1])
        last = len(self.in_channels) - 1
        self.fusions = nn.ModuleList(
            AttentionFusion(c_in, mid, c_out, fuse=i < last) for i, (
                c_in,
                c_out) in enumerate(zip(self.in_channels, self.out_channels)))
        self.pool_sizes = tuple(pool_sizes)

    @staticmethod
    def _as_map(x: torch.Tensor) -> torch.Tensor:
        # a pooled embedding (N, C) is a 1x1 stage
        return x[:, :, None, None] if isinstance(x, torch.Tensor) and \
            x.dim() == 2 else x

    def fuse(self, student: List[torch.Tensor],
             sizes: List[Tuple[int, int]]) -> List[torch.Tensor]:
        """The ABF outputs, shallow to deep, stage ``i`` at ``sizes[i]``."""
        outputs: List[torch.Tensor] = [None] * len(student)
        residual = None
        for i in reversed(range(len(student))):
            outputs[i], residual = self.fusions[i](student[i], residual,
                                                   sizes[i])
        return outputs

    def forward(self, student: Levels, teacher: Levels) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Sequence[Tensor]): Student stages, shallow to deep,
                ``(N, C_i, H, W)`` maps or ``(N, C)`` embeddings.
            teacher (Sequence[Tensor]): Teacher stages, same order.

        Returns:
            Tensor: The weighted scalar loss, summed over stages.
        """
        pairs = self.levels(student, teacher)
        if len(pairs) != len(self.fusions):
            raise ValueError(
                f'{NAME}: configured for {len(self.fusions)} stages '
                f'(in_channels={self.in_channels}) but got '
                f'{len(pairs)} student/teacher stages.')
        s_maps, t_maps = [], []
        for i, (s, t) in enumerate(pairs):
            s, t = self._as_map(s), self._as_map(t)
            check_feature_map(f'{NAME} (stage {i})', 'student', s)
            check_feature_map(f'{NAME} (stage {i})', 'teacher', t)
            if s.size(1) != self.in_channels[i] or \
                    t.size(1) != self.out_channels[i] or \
                    s.size(0) != t.size(0):
                raise ValueError(
                    f'{NAME} (stage {i}): configured for '
                    f'{self.in_channels[i]} student and '
                    f'{self.out_channels[i]} teacher channels, got a '
                    f'student input of shape {tuple(s.shape)} and a teacher '
                    f'input of shape {tuple(t.shape)}.')
            s_maps.append(self.upcast_to_parameters(s))
            t_maps.append(self.upcast_to_parameters(t.detach()))
        outputs = self.fuse(s_maps, [tuple(t.shape[2:]) for t in t_maps])
        loss = sum(
            hierarchical_context_loss(o, t, self.pool_sizes)
            for o, t in zip(outputs, t_maps))
        return self.loss_weight * loss
