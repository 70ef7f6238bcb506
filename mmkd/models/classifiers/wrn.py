"""Wide Residual Networks (Zagoruyko & Komodakis, 2016) for 32x32 images.

``WRN-d-k`` has a 3x3 stem with 16 channels, three stages (``layer1``,
``layer2``, ``layer3``, strides 1, 2, 2) of ``(d - 4) / 6`` pre-activation
blocks with ``16k``, ``32k`` and ``64k`` channels, a final BatchNorm + ReLU
(``bn1``, ``relu``), global average pooling and ``linear``.
"""
from typing import List, Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base import BaseClassifier, register_constructor
from .resnet_cifar import init_conv_bn

__all__ = ['PreActBlock', 'WideResNet']


class PreActBlock(nn.Module):
    """BN-ReLU-conv3x3, BN-ReLU-(dropout)-conv3x3, plus a shortcut.

    When the width or resolution changes, the shortcut is a 1x1 convolution
    of the pre-activated input; otherwise it is the input itself.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        stride (int): Stride of the first convolution. Defaults to 1.
        drop_rate (float): Dropout probability between the two
            convolutions. Defaults to 0.0.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 drop_rate: float = 0.0) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(
            in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu2 = nn.ReLU()
        self.dropout = (
            nn.Dropout(drop_rate) if drop_rate > 0 else nn.Identity())
        self.conv2 = nn.Conv2d(
            out_channels, out_channels, 3, padding=1, bias=False)
        self.shortcut: Optional[nn.Module] = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(
                in_channels, out_channels, 1, stride=stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        activated = self.relu1(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(activated)
        out = self.conv1(activated)
        out = self.conv2(self.dropout(self.relu2(self.bn2(out))))
        return out + identity


@MODELS.register_module()
class WideResNet(BaseClassifier):
    """Wide ResNet ``WRN-depth-widen_factor`` for CIFAR-sized images.

    Distillable layers: ``layer1``, ``layer2``, ``layer3`` (pre-activation
    feature maps at full, 1/2 and 1/4 resolution), ``relu`` (the activated
    output of ``layer3``) and ``linear`` (logits).

    Args:
        depth (int): ``6n + 4``, e.g. 16, 28 or 40.
        widen_factor (int): Width multiplier ``k``. Defaults to 1.
        num_classes (int): Number of classes. Defaults to 100.
        drop_rate (float): Dropout probability inside the blocks.
            Defaults to 0.0.
        in_channels (int): Channels of the input images. Defaults to 3.
        **kwargs: ``label_smoothing``, ``data_preprocessor`` and
            ``init_cfg`` of :class:`BaseClassifier`.
    """

    def __init__(self,
                 depth: int,
                 widen_factor: int = 1,
                 num_classes: int = 100,
                 drop_rate: float = 0.0,
                 in_channels: int = 3,
                 **kwargs) -> None:
        super().__init__(num_classes=num_classes, **kwargs)
        if depth < 10 or (depth - 4) % 6 != 0:
            raise ValueError(
                f'WideResNet depth must be 6n + 4 with n >= 1 (10, 16, 22, '
                f'28, 40, ...), got {depth}.')
        if widen_factor < 1:
            raise ValueError(f'widen_factor must be >= 1, got {widen_factor}.')
        self.depth = depth
        self.widen_factor = widen_factor
        blocks = (depth - 4) // 6
        widths = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]

        self.conv1 = nn.Conv2d(
            in_channels, widths[0], 3, padding=1, bias=False)
        self.layer1 = self._make_stage(widths[0], widths[1], blocks, 1,
                                       drop_rate)
        self.layer2 = self._make_stage(widths[1], widths[2], blocks, 2,
                                       drop_rate)
        self.layer3 = self._make_stage(widths[2], widths[3], blocks, 2,
                                       drop_rate)
        self.bn1 = nn.BatchNorm2d(widths[3])
        self.relu = nn.ReLU()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(widths[3], num_classes)
        init_conv_bn(self)
        nn.init.zeros_(self.linear.bias)

    @staticmethod
    def _make_stage(in_channels: int, out_channels: int, blocks: int,
                    stride: int, drop_rate: float) -> nn.Sequential:
        layers: List[nn.Module] = [
            PreActBlock(in_channels, out_channels, stride, drop_rate)
        ]
        layers += [
            PreActBlock(out_channels, out_channels, 1, drop_rate)
            for _ in range(blocks - 1)
        ]
        return nn.Sequential(*layers)

    def forward_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Compute the logits of a batch of images.

        Args:
            inputs (torch.Tensor): Images of shape ``(N, C, H, W)``.

        Returns:
            torch.Tensor: Logits of shape ``(N, num_classes)``.
        """
        x = self.conv1(inputs)
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.relu(self.bn1(x))
        return self.linear(torch.flatten(self.avgpool(x), 1))


for _depth, _width in ((16, 1), (16, 2), (40, 1), (40, 2)):
    register_constructor(
        f'wrn_{_depth}_{_width}', WideResNet,
        f'Wide ResNet, depth {_depth}, widen factor '
        f'{_width}.', _depth, _width)
