"""A parameter-free connector that L2-normalises each sample's feature."""
from typing import Optional

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .connectors import BaseConnector


@MODELS.register_module()
class L2NormalizeConnector(BaseConnector):
    """Flattens each sample's feature to a vector and divides it by its L2
    norm: ``(N, ...)`` to ``(N, D)`` with unit rows (``F.normalize`` with
    its ``eps``). MMRazor's relational losses (``DistanceWiseRKD``,
    ``AngleWiseRKD`` with ``with_l2_norm=True``) normalise both sides this
    way before relating the samples; put it on the student and the teacher
    input of ``RKDLoss`` for the same loss.

    Args:
        eps (float): Smallest norm divided by. Defaults to 1e-12, as
            ``F.normalize``.
    """

    def __init__(self, eps: float = 1e-12) -> None:
        super().__init__()
        if eps < 0:
            raise ValueError(f'L2NormalizeConnector: eps must be >= 0, got '
                             f'{eps}.')
        self.eps = eps

    def forward_connect(self, feature: torch.Tensor,
                        reference: Optional[torch.Tensor]) -> torch.Tensor:
        if feature.dim() < 2:
            raise ValueError('L2NormalizeConnector: expects per-sample '
                             f'features (N, ...), got shape '
                             f'{tuple(feature.shape)}.')
        return F.normalize(feature.flatten(1), p=2, dim=1, eps=self.eps)
