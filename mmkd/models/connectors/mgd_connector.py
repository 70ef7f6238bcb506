"""The generation block of masked generative distillation (MGD).

Yang et al., "Masked Generative Distillation", ECCV 2022. The (aligned)
student feature is masked at random spatial positions (ratio ``lambda_mgd``)
and a generation block ``conv3x3 -> ReLU -> conv3x3`` rebuilds the teacher
feature from it; ``MGDLoss`` compares the result with the teacher.
"""
from typing import Optional, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from ..losses.base import check_number
from ..losses.utils import RandomStream
from .connectors import BaseConnector


@MODELS.register_module()
class MGDConnector(BaseConnector):
    """Random spatial masking plus MGD's generation block.

    In training mode every position of the ``(N, C, H, W)`` student feature
    is zeroed (over all channels) with probability ``lambda_mgd``; in eval
    mode nothing is masked. The masks come from the connector's own
    :class:`~mmkd.models.losses.utils.RandomStream` (``rng``): seeded from
    the global RNG when the connector is built (``torch.manual_seed`` makes
    them reproducible) and saved in the checkpoint, so a resumed run draws
    the masks an uninterrupted one would have.

    Args:
        student_channels (int): Channels of the student feature.
        teacher_channels (int): Channels of the teacher feature. A 1x1
            convolution aligns the student to them when they differ.
        lambda_mgd (float): Ratio of masked positions, in ``[0, 1)``.
            Defaults to 0.65.
        init_cfg (dict | list, optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 student_channels: int,
                 teacher_channels: int,
                 lambda_mgd: float = 0.65,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.student_channels = student_channels
        self.teacher_channels = teacher_channels
        self.lambda_mgd = check_number('MGDConnector', 'lambda_mgd',
                                       lambda_mgd, '[0, 1)')
        self.align = None
        if student_channels != teacher_channels:
            self.align = nn.Conv2d(student_channels, teacher_channels, 1)
        self.generation = nn.Sequential(
            nn.Conv2d(teacher_channels, teacher_channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(teacher_channels, teacher_channels, 3, padding=1))
        self.rng = RandomStream()

    def random_mask(self, feature: torch.Tensor) -> torch.Tensor:
        """A ``(N, 1, H, W)`` mask, 1 where a position is kept."""
        n, _, h, w = feature.shape
        generator = self.rng.generator(feature.device)
        rand = torch.rand((n, 1, h, w), device=feature.device,
                          generator=generator)
        return (rand >= self.lambda_mgd).to(feature.dtype)

    def forward_connect(self, feature: torch.Tensor,
                        reference: Optional[torch.Tensor]) -> torch.Tensor:
        if feature.dim() != 4 or feature.size(1) != self.student_channels:
            raise ValueError(
                f'MGDConnector(student_channels={self.student_channels}) got '
                f'a feature of shape {tuple(feature.shape)}.')
        if self.align is not None:
            feature = self.align(feature)
        if self.training:
            feature = feature * self.random_mask(feature)
        return self.generation(feature)
