"""The auxiliary heads of self-distillation (Be Your Own Teacher)."""
from typing import Tuple

import torch
import torch.nn as nn

from mmkd.registry import MODELS


@MODELS.register_module()
class SelfDistillAuxHead(nn.Module):
    """A bottleneck and a classifier on a shallow stage of the network.

    The bottleneck is ``num_downsample`` conv3x3-BN-ReLU blocks of stride 2
    (at least one block; stride 1 when ``num_downsample`` is 0): it brings
    the stage's ``in_channels`` to the deepest feature's ``out_channels``
    and (approximately) its resolution, as the bottleneck layers of Zhang et
    al. (ICCV 2019) do. Global average pooling gives the head's feature,
    which the hint loss compares with the deepest feature, and ``fc`` gives
    its logits.

    Args:
        in_channels (int): Channels of the stage it reads.
        out_channels (int): Channels of the deepest feature (the input of
            the network's classifier).
        num_classes (int): Number of classes.
        num_downsample (int): Stride-2 blocks. Defaults to 1.
        batch_norm (bool): BN after each conv (False only for tests that
            compare runs with different per-process batches).
            Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_classes: int,
                 num_downsample: int = 1,
                 batch_norm: bool = True) -> None:
        super().__init__()
        if num_downsample < 0:
            raise ValueError('num_downsample must be >= 0, got '
                             f'{num_downsample}.')
        blocks, channels = [], in_channels
        for i in range(max(1, num_downsample)):
            stride = 2 if i < num_downsample else 1
            blocks += [
                nn.Conv2d(channels, out_channels, 3, stride, 1, bias=False),
                nn.BatchNorm2d(out_channels) if batch_norm else nn.Identity(),
                nn.ReLU(inplace=True)
            ]
            channels = out_channels
        self.bottleneck = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(out_channels, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(
                    m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Return ``(feature (N, out_channels), logits (N, num_classes))``."""
        feature = torch.flatten(self.pool(self.bottleneck(x)), 1)
        return feature, self.fc(feature)


def _separable(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    """A DARTS-style separable conv as MMRazor's ``DartsSepConv`` arranges
    it: ReLU, depthwise 3x3 (``stride``), pointwise, BN, then ReLU,
    grouped 3x3 to ``out_channels``, pointwise, BN."""
    return nn.Sequential(
        nn.ReLU(),
        nn.Conv2d(
            in_channels,
            in_channels,
            3,
            stride,
            1,
            groups=in_channels,
            bias=False), nn.Conv2d(in_channels, in_channels, 1, bias=False),
        nn.BatchNorm2d(in_channels), nn.ReLU(),
        nn.Conv2d(
            in_channels, out_channels, 3, 1, 1, groups=in_channels,
            bias=False), nn.Conv2d(out_channels, out_channels, 1, bias=False),
        nn.BatchNorm2d(out_channels))


@MODELS.register_module()
class BYOTAuxHead(nn.Module):
    """The auxiliary head of MMRazor's BYOT config (its ``BYOTConnector``
    with ``expansion=1``): an attention map weights the stage, then
    stride-2 separable convs double its channels up to the deepest
    feature's.

    The attention is ``sigmoid(upsample_x2(ReLU(BN(sep_s2(x)))))``
    (bilinear), multiplied with ``x``; then ``log2(out_channels /
    in_channels)`` stride-2 separable convs, each doubling the channels;
    global average pooling (MMRazor's 4x4 average pooling of its 4x4 maps
    on CIFAR) gives the feature and ``fc`` the logits.

    Args:
        in_channels (int): Channels of the stage it reads.
        out_channels (int): Channels of the deepest feature; ``in_channels``
            times a power of two.
        num_classes (int): Number of classes.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 num_classes: int) -> None:
        super().__init__()
        ratio, rest = divmod(out_channels, in_channels)
        if rest or ratio < 1 or ratio & (ratio - 1):
            raise ValueError(f'BYOTAuxHead: out_channels ({out_channels}) '
                             f'must be in_channels ({in_channels}) times a '
                             'power of two.')
        doublings = ratio.bit_length() - 1
        self.attention = nn.Sequential(
            _separable(in_channels, in_channels, 2),
            nn.BatchNorm2d(in_channels), nn.ReLU(),
            nn.Upsample(scale_factor=2, mode='bilinear'), nn.Sigmoid())
        self.bottleneck = nn.Sequential(*[
            _separable(in_channels << i, in_channels << (i + 1), 2)
            for i in range(doublings)
        ])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(out_channels, num_classes)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Return ``(feature (N, out_channels), logits (N, num_classes))``."""
        x = self.attention(x) * x
        feature = torch.flatten(self.pool(self.bottleneck(x)), 1)
        return feature, self.fc(feature)
