"""Factor Transfer.

Kim, Park and Kwak, "Paraphrasing Complex Network: Network Compression via
Factor Transfer", NeurIPS 2018. A paraphraser (auto-encoder) trained to
reconstruct the teacher feature gives the teacher factor ``F_t``; a translator
on the student gives ``F_s``; the loss is
``|| F_t / ||F_t||_2 - F_s / ||F_s||_2 ||_p`` (p = 1) on flattened factors.
"""
from typing import Optional

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, check_number
from .utils import check_feature_map


def factor_distance(student: torch.Tensor, teacher: torch.Tensor,
                    p: float) -> torch.Tensor:
    """Mean over samples and factor elements of ``|u_t - u_s|^p``, where
    ``u`` is the per-sample flattened factor scaled to unit L2 norm."""
    u_s = F.normalize(student.flatten(1), dim=1)
    u_t = F.normalize(teacher.flatten(1), dim=1)
    return (u_t - u_s).abs().pow(p).mean()


@MODELS.register_module(name=['FTLoss', 'ft'])
class FTLoss(BaseDistillLoss):
    """Factor-transfer loss, owning the paraphraser and its reconstruction
    loss.

    ``forward(student, teacher)`` takes the student's factor (the output of
    a ``Translator`` connector) and the teacher's raw feature map. The
    paraphraser encodes the teacher feature into ``F_t`` (detached for the
    transfer term, so only the student and the translator learn from it)
    and is itself trained by the reconstruction MSE between its decoded
    ``F_t`` and the teacher feature. The returned value is
    ``loss_weight * FT + recon_weight * reconstruction``. The FT term is the
    p-norm of the paper averaged over the factor elements (as RepDistiller
    averages), so RepDistiller's weight 200 keeps its scale.

    Args:
        in_channels (int): Channels of the teacher feature.
        rate (float): Paraphrase rate ``k`` (factor channels
            ``k * in_channels``). Defaults to 0.5.
        p (float): Norm of the factor difference. Defaults to 1.
        recon_weight (float): Weight of the paraphraser's reconstruction
            loss; with 0 this loss does not train the paraphraser
            (e.g. one pre-trained separately). Defaults to 1.0.
        paraphraser (dict, optional): Config overriding the default
            ``dict(type='Paraphraser', in_channels=in_channels, rate=rate)``.
            Defaults to None.
        loss_weight (float): Weight of the transfer term. Defaults to 1.0.
    """

    def __init__(self,
                 in_channels: int,
                 rate: float = 0.5,
                 p: float = 1.0,
                 recon_weight: float = 1.0,
                 paraphraser: Optional[dict] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        rate = check_number('FTLoss', 'rate', rate)
        cfg = dict(type='Paraphraser', in_channels=in_channels, rate=rate)
        cfg.update(paraphraser or {})
        self.paraphraser = MODELS.build(cfg)
        self.in_channels = in_channels
        self.p = check_number('FTLoss', 'p', p)
        self.recon_weight = check_number('FTLoss', 'recon_weight',
                                         recon_weight, '[0, inf)')

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student factor from the translator,
                ``(N, k * C, H, W)``.
            teacher (Tensor): Teacher feature map, ``(N, C, H, W)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_feature_map('FTLoss', 'student', student)
        check_feature_map('FTLoss', 'teacher', teacher)
        if teacher.size(1) != self.in_channels:
            raise ValueError(
                f'FTLoss: configured for in_channels={self.in_channels} but '
                f'got a teacher feature of shape {tuple(teacher.shape)}.')
        teacher = self.upcast_to_parameters(teacher.detach())
        with torch.autocast(device_type=teacher.device.type, enabled=False):
            factor_t = self.paraphraser(teacher)
            recon = self.paraphraser.reconstruct(factor_t)
            loss_recon = F.mse_loss(recon, teacher)
        factor_t = factor_t.detach()
        if student.shape != factor_t.shape:
            raise ValueError(
                f'FTLoss: the student factor {tuple(student.shape)} differs '
                f'from the paraphraser factor {tuple(factor_t.shape)} of the '
                f'teacher feature {tuple(teacher.shape)}; give the student '
                "feature a Translator connector with the teacher's channels "
                'as out_channels and the same rate.')
        loss_ft = factor_distance(
            self.upcast_to_parameters(student), factor_t, self.p)
        return self.loss_weight * loss_ft + self.recon_weight * loss_recon
