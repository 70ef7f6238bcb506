"""Masked generative distillation.

Yang et al., "Masked Generative Distillation", ECCV 2022. With ``G`` the
generation block and ``M`` a random spatial mask (``MGDConnector``),
``loss = alpha_mgd * sum((G(s * M) - t)^2) / N``.
"""
import torch

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, check_number, upcast_all
from .utils import check_same_shape


@MODELS.register_module(name=['MGDLoss', 'mgd'])
class MGDLoss(BaseDistillLoss):
    """MGD's summed squared error between generated and teacher features.

    The masking and the generation block are not part of this loss: use it
    with an ``MGDConnector`` on the student side, which masks the student
    feature (ratio ``lambda_mgd``) and regenerates the teacher feature.
    Without that connector this is a plain summed MSE.

    Args:
        alpha_mgd (float): MGD's loss coefficient. Defaults to 2e-5.
        loss_weight (float): Extra multiplier. Defaults to 1.0.
    """

    pairing = Pairing('feature maps of the same size, through MGDConnector',
                      ('levels', 'stages'), 'mgd')

    def __init__(self,
                 alpha_mgd: float = 2e-5,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.alpha_mgd = check_number('MGDLoss', 'alpha_mgd', alpha_mgd,
                                      '[0, inf)')

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Generated feature from ``MGDConnector``,
                ``(N, C, H, W)``.
            teacher (Tensor): Teacher feature of the same shape.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('MGDLoss', student, teacher, ndim=4)
        student, teacher = upcast_all(student, teacher.detach())
        diff = student - teacher
        loss = diff.pow(2).sum() / student.size(0)
        return self.loss_weight * self.alpha_mgd * loss
