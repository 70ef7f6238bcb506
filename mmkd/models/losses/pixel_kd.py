"""Pixel-wise knowledge distillation for dense prediction.

Liu et al., "Structured Knowledge Distillation for Semantic Segmentation",
CVPR 2019 (the pixel-wise term). Each pixel's class scores become
distributions ``p = softmax(z / tau)`` over the ``C`` classes;
``loss = tau^2 * sum_{n,h,w} KL(p_T || p_S) / (N * H * W)``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, tau_arg, upcast_all
from .utils import check_feature_map


@MODELS.register_module(name=['PixelWiseKDLoss', 'pixel_kd'])
class PixelWiseKDLoss(BaseDistillLoss):
    """Per-pixel KL divergence between the class distributions of teacher
    and student logits, averaged over pixels.

    Args:
        tau (float): Temperature. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        resize (bool): Resize the student logits bilinearly to the teacher's
            spatial size when they differ (instead of raising). The class
            counts must still match. Defaults to False.
        align_corners (bool): ``align_corners`` of that resize. Defaults to
            False.
    """

    pairing = Pairing(
        'segmentation logits with logits; class counts must match',
        ('dense_logits', ), 'size')

    def __init__(self,
                 tau: float = 1.0,
                 loss_weight: float = 1.0,
                 resize: bool = False,
                 align_corners: bool = False) -> None:
        super().__init__(loss_weight)
        self.tau = tau_arg('PixelWiseKDLoss', tau, 1.0)
        self.resize = resize
        self.align_corners = align_corners

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student logits ``(N, C, H, W)``.
            teacher (Tensor): Teacher logits ``(N, C, H', W')``; ``H', W'``
                must equal ``H, W`` unless ``resize`` is set.

        Returns:
            Tensor: The weighted scalar loss.
        """
        name = 'PixelWiseKDLoss'
        check_feature_map(name, 'student', student)
        check_feature_map(name, 'teacher', teacher)
        teacher = teacher.detach()
        if student.shape[:2] != teacher.shape[:2]:
            raise ValueError(
                f'{name}: student logits {tuple(student.shape)} and teacher '
                f'logits {tuple(teacher.shape)} differ; the batch sizes and '
                'class counts must match (same num_classes).')
        if student.shape[2:] != teacher.shape[2:]:
            if not self.resize:
                raise ValueError(
                    f'{name}: student logits {tuple(student.shape)} and '
                    f'teacher logits {tuple(teacher.shape)} differ; set '
                    'resize=True (bilinear, to the teacher size) or add a '
                    'ResizeConnector.')
            student = F.interpolate(
                student,
                size=teacher.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
        student, teacher = upcast_all(student, teacher)
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        log_p_t = F.log_softmax(teacher / self.tau, dim=1)
        kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=1)
        return self.loss_weight * self.tau**2 * kl.mean()
