"""Instance relationship graph distillation.

Liu et al., "Knowledge Distillation via Instance Relationship Graph",
CVPR 2019. From two feature maps ``A`` (earlier) and ``B`` (later) and the
logits ``z`` of each network:

- vertex: ``L_v = MSE(z_s, z_t)``;
- edge: for ``x`` in (pooled ``B``, ``A``, ``B``), the squared pairwise
  distances between the batch's samples, divided by their maximum;
  ``L_e`` is the mean of the three MSEs between student and teacher;
- transformation: ``A`` pooled to ``B``'s size (and channel groups averaged
  to match), ``d_i = ||A_i - B_i||^2`` divided by its maximum;
  ``L_t = MSE(d_s, d_t)``.

``loss = vert * L_v + edge * L_e + tran * L_t``.

Similar samples make the normalised terms agree to many digits (distances
near 0, transformation distances near their maximum), so the terms are
computed in float64 whatever the input dtype; the loss is returned in the
inputs' compute dtype (:func:`~.base.upcast`).
"""
from typing import Sequence

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, check_number, upcast_all
from .utils import check_feature_map, pairwise_sq_distances, widen


def _normalised_sq_distances(x: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distances between the rows of ``x`` (flattened),
    zero diagonal, divided by the largest one."""
    dist = pairwise_sq_distances(x)
    return dist / dist.max().clamp(min=1e-12)


def _match_channels(a: torch.Tensor, b: torch.Tensor, side: str):
    """Average groups of channels of the wider map to the narrower one."""
    ca, cb = a.size(1), b.size(1)
    if ca == cb:
        return a, b
    wide, narrow = (b, a) if cb > ca else (a, b)
    if wide.size(1) % narrow.size(1):
        raise ValueError(
            f'IRGLoss: the {side} feature maps have {ca} and {cb} channels; '
            'the transformation term needs one to be a multiple of the '
            'other.')
    group = wide.size(1) // narrow.size(1)
    n, c, h, w = wide.shape
    wide = wide.view(n, c // group, group, h, w).mean(dim=2)
    return (a, wide) if cb > ca else (wide, b)


def _transformation(a: torch.Tensor, b: torch.Tensor,
                    side: str) -> torch.Tensor:
    """Normalised squared distance from map ``a`` to map ``b`` per sample."""
    if a.shape[2:] != b.shape[2:]:
        a = F.adaptive_avg_pool2d(a, b.shape[2:])
    a, b = _match_channels(a, b, side)
    d = (a - b).pow(2).flatten(1).sum(dim=1)
    return d / d.max().clamp(min=1e-12)


@MODELS.register_module(name=['IRGLoss', 'irg'])
class IRGLoss(BaseDistillLoss):
    """IRG loss on ``[feature map A, feature map B, logits]`` of each side.

    Works for any pair of networks: pooling sizes and channel grouping are
    derived from the input shapes.

    Args:
        vert (float): Weight of the vertex (logit) term. Defaults to 0.1.
        edge (float): Weight of the edge (relation) term. Defaults to 5.0.
        tran (float): Weight of the transformation term. Defaults to 5.0.
        loss_weight (float): Weight of the total. Defaults to 1.0.
    """

    pairing = Pairing(
        'feature maps and logits: one loss over a list of layers chosen '
        'by hand', (), 'none')

    def __init__(self,
                 vert: float = 0.1,
                 edge: float = 5.0,
                 tran: float = 5.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.vert = check_number('IRGLoss', 'vert', vert, '[0, inf)')
        self.edge = check_number('IRGLoss', 'edge', edge, '[0, inf)')
        self.tran = check_number('IRGLoss', 'tran', tran, '[0, inf)')

    @staticmethod
    def _unpack(inputs: Sequence[torch.Tensor], side: str):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 3:
            got = (f'{len(inputs)} tensors' if isinstance(
                inputs, (list, tuple)) else type(inputs).__name__)
            raise ValueError(
                f'IRGLoss: the {side} input must be [feature map A, feature '
                f'map B, logits] (e.g. layers layer2, layer3, linear), got '
                f'{got}.')
        a, b, logits = inputs
        check_feature_map('IRGLoss', side, a)
        check_feature_map('IRGLoss', side, b)
        return a, b, logits

    def forward(self, student: Sequence[torch.Tensor],
                teacher: Sequence[torch.Tensor]) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (list[Tensor]): Student ``[A, B, logits]``.
            teacher (list[Tensor]): Teacher ``[A, B, logits]``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        inputs = upcast_all(
            *self._unpack(student, 'student'),
            *(x.detach() for x in self._unpack(teacher, 'teacher')))
        dtype = inputs[0].dtype
        a_s, b_s, z_s, a_t, b_t, z_t = widen(*inputs)
        if z_s.shape != z_t.shape or a_s.size(0) != a_t.size(0):
            raise ValueError(
                f'IRGLoss: student logits {tuple(z_s.shape)} and teacher '
                f'logits {tuple(z_t.shape)} must have the same shape.')

        loss_v = F.mse_loss(z_s, z_t)
        pairs = ((b_s.mean(dim=(2, 3)), b_t.mean(dim=(2, 3))), (a_s, a_t),
                 (b_s, b_t))
        loss_e = sum(
            F.mse_loss(
                _normalised_sq_distances(s), _normalised_sq_distances(t))
            for s, t in pairs) / len(pairs)
        loss_t = F.mse_loss(
            _transformation(a_s, b_s, 'student'),
            _transformation(a_t, b_t, 'teacher'))
        total = self.vert * loss_v + self.edge * loss_e + self.tran * loss_t
        return (self.loss_weight * total).to(dtype)
