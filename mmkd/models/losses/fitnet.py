"""FitNet hint loss.

Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015. The student's
guided layer goes through a regressor ``r`` (a connector) and is matched to
the teacher's hint layer: ``loss = mean_{N,C,H,W} (r(s) - t)^2``.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .utils import check_same_shape


@MODELS.register_module(name=['FitNetLoss', 'fitnet'])
class FitNetLoss(nn.Module):
    """Mean squared error between the regressed student hint and the
    teacher hint.

    The regressor is a connector (e.g. ``ConvBNConnector`` with ``act=True``,
    RepDistiller's ``ConvReg`` for maps of equal size), so the student input
    must already have the teacher's shape.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Regressed student feature.
            teacher (Tensor): Teacher feature of the same shape.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('FitNetLoss', student, teacher)
        return self.loss_weight * F.mse_loss(student.float(),
                                             teacher.detach().float())
