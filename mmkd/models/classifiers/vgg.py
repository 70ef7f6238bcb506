"""VGG networks with BatchNorm (Simonyan & Zisserman, 2015) for 32x32 images.

Five stages of 3x3 conv-BN-ReLU layers (``layer1`` ... ``layer5``), a 2x2
max-pool after each of the first three (``pool1`` ... ``pool3``) and, for
inputs of 64 px or more only, after the fourth (``pool4``), global average
pooling and a single fully-connected ``linear`` layer (512 inputs), as in the
CIFAR VGGs of RepDistiller (on 32x32 images ``layer4`` and ``layer5`` both
work at 4x4). The convolutions keep their bias, so
the parameter layout matches the networks the published numbers come from.
"""
from typing import Dict, List, Sequence

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base import BaseClassifier, register_constructor
from .resnet_cifar import init_conv_bn

__all__ = ['CIFARVGG', 'VGG_STAGES']

VGG_STAGES: Dict[str, List[List[int]]] = {
    'vgg8': [[64], [128], [256], [512], [512]],
    'vgg11': [[64], [128], [256, 256], [512, 512], [512, 512]],
    'vgg13': [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
    'vgg16': [[64, 64], [128, 128], [256] * 3, [512] * 3, [512] * 3],
    'vgg19': [[64, 64], [128, 128], [256] * 4, [512] * 4, [512] * 4],
}


@MODELS.register_module()
class CIFARVGG(BaseClassifier):
    """VGG with BatchNorm for CIFAR-sized images.

    Distillable layers: ``layer1`` ... ``layer5`` (stage outputs before
    pooling, at full, 1/2, 1/4, 1/8 and 1/8 resolution for ``layer1`` to
    ``layer5`` on 32x32 images; ``layer5`` at 1/16 from 64 px up),
    ``pool1`` ... ``pool3`` (``pool4`` runs only from 64 px up) and
    ``linear`` (logits).

    Args:
        stages (Sequence[Sequence[int]]): Output channels of each
            convolution, one list per stage; five stages.
        num_classes (int): Number of classes. Defaults to 100.
        in_channels (int): Channels of the input images. Defaults to 3.
        **kwargs: ``label_smoothing``, ``data_preprocessor`` and
            ``init_cfg`` of :class:`BaseClassifier`.
    """

    def __init__(self,
                 stages: Sequence[Sequence[int]],
                 num_classes: int = 100,
                 in_channels: int = 3,
                 **kwargs) -> None:
        super().__init__(num_classes=num_classes, **kwargs)
        if len(stages) != 5 or not all(stages):
            raise ValueError('CIFARVGG needs 5 non-empty stages of conv '
                             f'widths, got {stages!r}.')
        channels = in_channels
        for i, widths in enumerate(stages, start=1):
            layers: List[nn.Module] = []
            for width in widths:
                layers += [
                    nn.Conv2d(channels, width, 3, padding=1),
                    nn.BatchNorm2d(width),
                    nn.ReLU()
                ]
                channels = width
            self.add_module(f'layer{i}', nn.Sequential(*layers))
            if i < 5:
                self.add_module(f'pool{i}', nn.MaxPool2d(2, 2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(channels, num_classes)
        init_conv_bn(self)
        nn.init.normal_(self.linear.weight, 0, 0.01)
        nn.init.zeros_(self.linear.bias)

    def forward_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Compute the logits of a batch of images.

        Args:
            inputs (torch.Tensor): Images of shape ``(N, C, H, W)``; at
                least 8x8 for the three 2x2 poolings.

        Returns:
            torch.Tensor: Logits of shape ``(N, num_classes)``.
        """
        x = inputs
        for i in range(1, 4):
            x = getattr(self, f'pool{i}')(getattr(self, f'layer{i}')(x))
        x = self.layer4(x)
        # RepDistiller pools before the last stage only for 64 px inputs
        if inputs.shape[-2] >= 64:
            x = self.pool4(x)
        x = self.avgpool(self.layer5(x))
        return self.linear(torch.flatten(x, 1))


for _name, _stages in VGG_STAGES.items():
    register_constructor(_name, CIFARVGG, f'CIFAR {_name.upper()} with BN.',
                         _stages)
