"""ResNets for 32x32 images (He et al., 2016), as used by RepDistiller.

A ``depth = 6n + 2`` network has a 3x3 stem, three stages of ``n``
BasicBlocks (``layer1``, ``layer2``, ``layer3``, strides 1, 2, 2), global
average pooling and a fully-connected ``linear`` layer. Shortcuts that change
the resolution or the width are a 1x1 convolution with BatchNorm ("option B").
ReLUs are not in place, so a recorder on a BatchNorm layer sees its output
before the activation.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base import BaseClassifier, register_constructor

__all__ = ['BasicBlock', 'CIFARResNet', 'init_conv_bn']

CIFAR_FILTERS = (16, 16, 32, 64)
CIFAR_FILTERS_X4 = (32, 64, 128, 256)


def init_conv_bn(model: nn.Module) -> None:
    """Kaiming-normal (fan-out) convolutions, BatchNorm weight 1 and bias 0.

    Args:
        model (nn.Module): The network whose submodules are initialised in
            place.
    """
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(
                module.weight, mode='fan_out', nonlinearity='relu')
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with a residual connection, then ReLU.

    Args:
        in_channels (int): Channels of the input.
        out_channels (int): Channels of the output.
        stride (int): Stride of the first convolution. Defaults to 1.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(
            in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(
            out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample: Optional[nn.Module] = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(
                    in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


@MODELS.register_module()
class CIFARResNet(BaseClassifier):
    """ResNet for CIFAR-sized images with ``(depth - 2) / 6`` blocks a stage.

    Distillable layers: ``layer1``, ``layer2``, ``layer3`` (feature maps at
    full, 1/2 and 1/4 resolution) and ``linear`` (logits).

    Args:
        depth (int): ``6n + 2``, e.g. 8, 14, 20, 32, 44, 56 or 110.
        num_filters (Sequence[int]): Channels of the stem and of the three
            stages. Defaults to ``(16, 16, 32, 64)``.
        num_classes (int): Number of classes. Defaults to 100.
        in_channels (int): Channels of the input images. Defaults to 3.
        **kwargs: ``label_smoothing``, ``data_preprocessor`` and
            ``init_cfg`` of :class:`BaseClassifier`.
    """

    def __init__(self,
                 depth: int,
                 num_filters: Sequence[int] = CIFAR_FILTERS,
                 num_classes: int = 100,
                 in_channels: int = 3,
                 **kwargs) -> None:
        super().__init__(num_classes=num_classes, **kwargs)
        if depth < 8 or (depth - 2) % 6 != 0:
            raise ValueError(
                f'CIFARResNet depth must be 6n + 2 with n >= 1 (8, 14, 20, '
                f'32, 44, 56, 110, ...), got {depth}.')
        if len(num_filters) != 4:
            raise ValueError('num_filters needs 4 values (stem and three '
                             f'stages), got {list(num_filters)}.')
        self.depth = depth
        blocks = (depth - 2) // 6

        self.conv1 = nn.Conv2d(
            in_channels, num_filters[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(num_filters[0])
        self.relu = nn.ReLU()
        self.layer1 = self._make_stage(num_filters[0], num_filters[1], blocks,
                                       1)
        self.layer2 = self._make_stage(num_filters[1], num_filters[2], blocks,
                                       2)
        self.layer3 = self._make_stage(num_filters[2], num_filters[3], blocks,
                                       2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(num_filters[3], num_classes)
        init_conv_bn(self)

    @staticmethod
    def _make_stage(in_channels: int, out_channels: int, blocks: int,
                    stride: int) -> nn.Sequential:
        layers: List[nn.Module] = [
            BasicBlock(in_channels, out_channels, stride)
        ]
        layers += [
            BasicBlock(out_channels, out_channels) for _ in range(blocks - 1)
        ]
        return nn.Sequential(*layers)

    def forward_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Compute the logits of a batch of images.

        Args:
            inputs (torch.Tensor): Images of shape ``(N, C, H, W)``.

        Returns:
            torch.Tensor: Logits of shape ``(N, num_classes)``.
        """
        x = self.relu(self.bn1(self.conv1(inputs)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.linear(torch.flatten(self.avgpool(x), 1))


for _depth in (8, 14, 20, 32, 44, 56, 110):
    register_constructor(f'resnet{_depth}', CIFARResNet,
                         f'CIFAR ResNet-{_depth}, channels 16/16/32/64.',
                         _depth, CIFAR_FILTERS)
for _depth in (8, 32):
    register_constructor(f'resnet{_depth}x4', CIFARResNet,
                         f'CIFAR ResNet-{_depth}, channels 32/64/128/256.',
                         _depth, CIFAR_FILTERS_X4)
