"""Activation-boundary distillation.

Heo, Lee, Yun and Choi, "Knowledge Transfer via Distillation of Activation
Boundaries Formed by Hidden Neurons", AAAI 2019. With the student's
pre-activation response ``s`` (after a connector) and the teacher's
pre-activation ``t``, a squared hinge with margin ``m`` pushes ``s`` above
``+m`` where the teacher neuron is active (``t > 0``) and below ``-m`` where
it is not: ``sum(1[t > 0] relu(m - s)^2 + 1[t <= 0] relu(s + m)^2) / N``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import FEATURE_MAPS, BaseDistillLoss, Pairing, check_number, upcast
from .utils import check_same_shape


@MODELS.register_module(name=['ABLoss', 'ab'])
class ABLoss(BaseDistillLoss):
    """Activation transfer loss of AB on one pair of pre-ReLU features.

    The student feature goes through a connector first (1x1 conv + BN,
    ``ConvBNConnector``) to the teacher's channels. Both inputs must be the
    responses *before* the ReLU. The squared-hinge terms are summed over
    ``C, H, W`` and averaged over the batch.

    Args:
        margin (float): Margin ``m`` around the activation boundary.
            Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing(FEATURE_MAPS.kind, ('stages', ), 'shape')

    def __init__(self, margin: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.margin = check_number('ABLoss', 'margin', margin, '[0, inf)')

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student pre-activation after the connector,
                ``(N, C, ...)``.
            teacher (Tensor): Teacher pre-activation of the same shape.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('ABLoss', student, teacher)
        if student.dim() < 2:
            raise ValueError('ABLoss: expects (N, C, ...) features, got '
                             f'shape {tuple(student.shape)}.')
        student = upcast(student)
        active = teacher.detach() > 0
        hinge = torch.where(active, F.relu(self.margin - student),
                            F.relu(student + self.margin))
        return self.loss_weight * hinge.pow(2).sum() / student.size(0)
