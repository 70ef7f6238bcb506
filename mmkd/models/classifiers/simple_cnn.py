"""A small plain CNN for tiny images such as the bundled 8x8 digits demo."""
import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base import BaseClassifier
from .resnet_cifar import init_conv_bn

__all__ = ['SimpleCNN']


@MODELS.register_module()
class SimpleCNN(BaseClassifier):
    """``num_convs`` conv3x3-BN-ReLU stages of constant width, then ``linear``.

    Stage ``layer{i}`` is followed by a 2x2 max-pool ``pool{i}`` after
    ``layer2`` and ``layer4`` only (when they exist), so an 8x8 input ends at
    2x2 and inputs must be at least 4x4. Global average pooling (``avgpool``)
    feeds the fully-connected ``linear`` layer. All stages have ``channels``
    outputs, so any two stages of two SimpleCNNs of the same width can be
    distilled from each other without a connector.

    Args:
        in_channels (int): Channels of the input images. Defaults to 1.
        channels (int): Width of every stage. Defaults to 8.
        num_convs (int): Number of conv stages. Defaults to 2.
        num_classes (int): Number of classes. Defaults to 10.
        **kwargs: ``label_smoothing``, ``data_preprocessor`` and
            ``init_cfg`` of :class:`BaseClassifier`.
    """

    POOL_AFTER = (2, 4)

    def __init__(self,
                 in_channels: int = 1,
                 channels: int = 8,
                 num_convs: int = 2,
                 num_classes: int = 10,
                 **kwargs) -> None:
        super().__init__(num_classes=num_classes, **kwargs)
        if num_convs < 1 or channels < 1:
            raise ValueError('SimpleCNN needs num_convs >= 1 and channels '
                             f'>= 1, got {num_convs} and {channels}.')
        self.num_convs = num_convs
        for i in range(1, num_convs + 1):
            self.add_module(
                f'layer{i}',
                nn.Sequential(
                    nn.Conv2d(
                        in_channels if i == 1 else channels,
                        channels,
                        3,
                        padding=1,
                        bias=False), nn.BatchNorm2d(channels), nn.ReLU()))
            if i in self.POOL_AFTER:
                self.add_module(f'pool{i}', nn.MaxPool2d(2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(channels, num_classes)
        init_conv_bn(self)

    def forward_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Compute the logits of a batch of images.

        Args:
            inputs (torch.Tensor): Images of shape ``(N, C, H, W)``.

        Returns:
            torch.Tensor: Logits of shape ``(N, num_classes)``.
        """
        x = inputs
        for i in range(1, self.num_convs + 1):
            x = getattr(self, f'layer{i}')(x)
            if i in self.POOL_AFTER:
                x = getattr(self, f'pool{i}')(x)
        return self.linear(torch.flatten(self.avgpool(x), 1))
