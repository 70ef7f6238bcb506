"""Connectors that standardise each channel of a feature map with the
statistics of the batch it comes in.

MMYOLO's RTMDet distillation (configs/rtmdet/distillation/ there, after PKD's
normalisation, Cao et al., NeurIPS 2022) compares normalised neck features:
per channel ``c``, ``y = (x - mean_c) / sqrt(var_c + eps)``, with the mean
and the biased variance taken over the batch and the spatial positions
``(N, H, W)`` of the current batch, in training and in eval alike, and no
learned scale or shift: a BatchNorm without affine parameters and without
running statistics. The teacher's feature is normalised as it is
(:class:`NormConnector`), the student's after a learned 1x1 convolution to
the teacher's channels (:class:`ConvNormConnector`).
"""
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .connectors import BaseConnector


def _check_feature(owner: str, channels: int, feature: torch.Tensor) -> None:
    if feature.dim() != 4 or feature.size(1) != channels:
        raise ValueError(f'{owner} expects (N, {channels}, H, W) features, '
                         f'got a feature of shape {tuple(feature.shape)}.')


def standardize(feature: torch.Tensor, eps: float) -> torch.Tensor:
    """Each channel of ``feature`` to zero mean and unit variance over the
    batch's ``(N, H, W)`` (biased variance, ``eps`` under the root)."""
    return F.batch_norm(
        feature, None, None, weight=None, bias=None, training=True, eps=eps)


@MODELS.register_module()
class NormConnector(BaseConnector):
    """Per-channel standardisation with the batch's statistics (a
    BatchNorm without affine parameters or running statistics); no
    parameters.

    Args:
        in_channels (int): Channels of the feature.
        eps (float): Added to the variance. Defaults to 1e-5 (BatchNorm's).
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 eps: float = 1e-5,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.eps = in_channels, eps

    def forward_connect(self, feature, reference):
        _check_feature(f'NormConnector(in_channels={self.in_channels})',
                       self.in_channels, feature)
        return standardize(feature, self.eps)


@MODELS.register_module()
class ConvNormConnector(BaseConnector):
    """A learned convolution from the student's channels to the teacher's
    (no bias), then :class:`NormConnector`'s standardisation.

    The convolution starts as MMCV's ``ConvModule`` starts one (Kaiming
    normal, fan-out, ReLU gain), as in MMYOLO's recipe.

    Args:
        in_channels (int): Student channels.
        out_channels (int): Teacher channels.
        kernel_size (int): Defaults to 1.
        eps (float): Added to the variance. Defaults to 1e-5.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 1,
                 eps: float = 1e-5,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.eps = eps
        self.conv = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            padding=kernel_size // 2,
            bias=False)
        nn.init.kaiming_normal_(
            self.conv.weight, mode='fan_out', nonlinearity='relu')

    def forward_connect(self, feature, reference):
        _check_feature(
            f'ConvNormConnector(in_channels={self.in_channels}, '
            f'out_channels={self.out_channels})', self.in_channels, feature)
        return standardize(self.conv(feature), self.eps)
