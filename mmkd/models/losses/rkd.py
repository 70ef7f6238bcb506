"""Relational knowledge distillation.

Park, Kim, Lu and Cho, "Relational Knowledge Distillation", CVPR 2019. On
embeddings ``e_i`` of a batch: distance-wise
``L_D = huber(d_s(i, j), d_t(i, j))`` with ``d(i, j) = ||e_i - e_j|| / mu``
(``mu`` the mean distance over pairs), and angle-wise
``L_A = huber(cos_s(i, j, k), cos_t(i, j, k))`` with ``cos`` the cosine of the
angle at ``e_j`` between ``e_i - e_j`` and ``e_k - e_j``;
``loss = w_d * L_D + w_a * L_A``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import EMBEDDINGS, BaseDistillLoss, check_number
from .utils import batch_embeddings, pairwise_sq_distances, widen


def normalized_distances(embed: torch.Tensor,
                         eps: float = 1e-12) -> torch.Tensor:
    """Pairwise Euclidean distances of the rows of ``embed``, divided by
    their mean over the pairs ``i != j``; the diagonal is 0.

    Args:
        embed (Tensor): ``(N, D)`` embeddings.
        eps (float): Floor of the squared distances (keeps ``sqrt``
            differentiable for coinciding rows). Defaults to 1e-12.

    Returns:
        Tensor: ``(N, N)`` distance matrix.
    """
    n = embed.size(0)
    off_diag = ~torch.eye(n, dtype=torch.bool, device=embed.device)
    dist = pairwise_sq_distances(embed).clamp(min=eps).sqrt() * off_diag
    mean = dist.sum() / (n * (n - 1))
    return dist / mean.clamp(min=eps)


def triplet_cosines(embed: torch.Tensor) -> torch.Tensor:
    """``cos[j, i, k]``: cosine of the angle at ``e_j`` between ``e_i - e_j``
    and ``e_k - e_j`` (0 where ``i == j`` or ``k == j``).

    Args:
        embed (Tensor): ``(N, D)`` embeddings.

    Returns:
        Tensor: ``(N, N, N)`` cosines.
    """
    directions = F.normalize(embed[None, :, :] - embed[:, None, :], dim=2)
    return directions @ directions.transpose(1, 2)


@MODELS.register_module(name=['RKDLoss', 'rkd'])
class RKDLoss(BaseDistillLoss):
    """Distance-wise plus angle-wise relational loss.

    Inputs are per-sample embeddings: on CIFAR, the penultimate features
    (the input of the classifier's ``linear``), recorded in the compact form
    as the output of ``avgpool``; ``(N, C, 1, 1)`` maps, like any
    ``(N, ...)`` input, are flattened per sample. Student and teacher may
    have different embedding sizes. As in the authors' code, the Huber
    (smooth-L1, ``beta=1``) terms are averaged over all ``N^2`` pairs and
    ``N^3`` triplets (degenerate ones are 0 on both sides).

    Args:
        distance_weight (float): Weight ``w_d`` of the distance-wise term.
            Defaults to 25.0.
        angle_weight (float): Weight ``w_a`` of the angle-wise term.
            Defaults to 50.0.
        loss_weight (float): Weight of the whole loss. Defaults to 1.0.
    """

    pairing = EMBEDDINGS

    def __init__(self,
                 distance_weight: float = 25.0,
                 angle_weight: float = 50.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.distance_weight = check_number('RKDLoss', 'distance_weight',
                                            distance_weight, '[0, inf)')
        self.angle_weight = check_number('RKDLoss', 'angle_weight',
                                         angle_weight, '[0, inf)')

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
        student, teacher = batch_embeddings('RKDLoss', student, teacher)
        dtype = student.dtype
        student, teacher = widen(student, teacher)
        loss = student.new_zeros(())
        if self.distance_weight:
            loss = loss + self.distance_weight * F.smooth_l1_loss(
                normalized_distances(student), normalized_distances(teacher))
        if self.angle_weight:
            loss = loss + self.angle_weight * F.smooth_l1_loss(
                triplet_cosines(student), triplet_cosines(teacher))
        return (self.loss_weight * loss).to(dtype)
