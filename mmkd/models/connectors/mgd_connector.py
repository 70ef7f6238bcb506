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
from mmkd.utils.deprecation import renamed_args
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
        in_channels (int): Channels of the student feature.
        out_channels (int): Channels of the teacher feature. A 1x1
            convolution aligns the student to them when they differ.
        lambda_mgd (float): Ratio of masked positions, in ``[0, 1)``.
            Defaults to 0.65.
        init_cfg (dict | list, optional): Initialisation config.
            Defaults to None.
    """

    @renamed_args(
        student_channels='in_channels', teacher_channels='out_channels')
    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 lambda_mgd: float = 0.65,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.lambda_mgd = check_number('MGDConnector', 'lambda_mgd',
                                       lambda_mgd, '[0, 1)')
        self.align = None
        if in_channels != out_channels:
            self.align = nn.Conv2d(in_channels, out_channels, 1)
        self.generation = nn.Sequential(
            nn.Conv2d(out_channels, out_channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1))
        self.rng = RandomStream()

    def random_mask(self, feature: torch.Tensor) -> torch.Tensor:
        """A ``(N, 1, H, W)`` mask, 1 where a position is kept."""
        n, _, h, w = feature.shape
        generator = self.rng.generator(feature.device)
        rand = torch.rand((n, 1, h, w),
                          device=feature.device,
                          generator=generator)
        return (rand >= self.lambda_mgd).to(feature.dtype)

    def forward_connect(self, feature: torch.Tensor,
                        reference: Optional[torch.Tensor]) -> torch.Tensor:
        if feature.dim() != 4 or feature.size(1) != self.in_channels:
            raise ValueError(
                f'MGDConnector(in_channels={self.in_channels}) got '
                f'a feature of shape {tuple(feature.shape)}.')
        if self.align is not None:
            feature = self.align(feature)
        if self.training:
            feature = feature * self.random_mask(feature)
        return self.generation(feature)
