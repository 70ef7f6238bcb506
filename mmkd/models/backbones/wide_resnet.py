"""A CIFAR wide ResNet (Zagoruyko and Komodakis, "Wide Residual Networks",
BMVC 2016) as an mmpretrain backbone: 3 stages of pre-activation basic
blocks, the layout and parameter names of MMRazor's ``WideResNet``
(``conv1``, ``layerK.J.bn1/conv1/bn2/conv2/downsample``, a final ``bn1``),
so that MMRazor's WRN checkpoints load strictly into an mmpretrain
``ImageClassifier`` built with it. Its ReLUs are not in place: a recorder
on a BN keeps the pre-ReLU map (OFD distills those)."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmkd.registry import MODELS

DEPTHS = {10: 1, 16: 2, 22: 3, 28: 4, 40: 6}


class PreActBasicBlock(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-conv3x3 with an identity shortcut, or a
    1x1 conv (``downsample``) on the pre-activated input where the stride
    or the channels change."""

    def __init__(self, in_channels: int, out_channels: int,
                 stride: int) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(
            in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu2 = nn.ReLU()
        self.conv2 = nn.Conv2d(
            out_channels, out_channels, 3, 1, padding=1, bias=False)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Conv2d(
                in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = self.relu1(self.bn1(x))
        out = self.conv2(self.relu2(self.bn2(self.conv1(act))))
        return out + (x if self.downsample is None else self.downsample(act))


@MODELS.register_module()
class WideResNetBackbone(BaseModule):
    """WRN-``depth``-``widen_factor`` for 32-pixel images.

    Stem conv (16 channels), stages of ``16k``, ``32k``, ``64k`` channels
    (strides 1, 2, 2), then BN-ReLU. Returns a one-element tuple, as
    mmpretrain's necks expect.

    Args:
        depth (int): 10, 16, 22, 28 or 40 (``(depth - 4) / 6`` blocks per
            stage).
        widen_factor (int): Width multiplier ``k``. Defaults to 4.
        in_channels (int): Input channels. Defaults to 3.
        init_cfg (dict or list, optional): Defaults to Kaiming for the
            convolutions and 1 for the BN scales, as MMRazor's.
    """

    def __init__(
        self,
        depth: int,
        widen_factor: int = 4,
        in_channels: int = 3,
        init_cfg: Optional[Sequence[dict]] = (dict(
            type='Kaiming',
            layer=['Conv2d'
                   ]), dict(type='Constant', val=1, layer=['_BatchNorm']))
    ) -> None:
        if depth not in DEPTHS:
            raise ValueError(f'WideResNetBackbone: depth must be one of '
                             f'{sorted(DEPTHS)}, got {depth!r}.')
        if isinstance(
                widen_factor,
                bool) or not isinstance(widen_factor, int) or widen_factor < 1:
            raise ValueError(f'WideResNetBackbone: widen_factor must be an '
                             f'int >= 1, got {widen_factor!r}.')
        super().__init__(
            init_cfg=list(init_cfg) if init_cfg is not None else None)
        self.depth = depth
        self.widen_factor = widen_factor
        blocks = DEPTHS[depth]
        widths = [16] + [16 * widen_factor * 2**i for i in range(3)]
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        for i, stride in enumerate((1, 2, 2)):
            stage = [PreActBasicBlock(widths[i], widths[i + 1], stride)]
            stage += [
                PreActBasicBlock(widths[i + 1], widths[i + 1], 1)
                for _ in range(blocks - 1)
            ]
            self.add_module(f'layer{i + 1}', nn.Sequential(*stage))
        self.bn1 = nn.BatchNorm2d(widths[-1])
        self.relu = nn.ReLU()
        self.out_channels = widths[-1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        return (self.relu(self.bn1(x)), )
