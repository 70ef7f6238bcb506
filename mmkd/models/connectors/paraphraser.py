"""The paraphraser of Factor Transfer (Kim, Park and Kwak, "Paraphrasing
Complex Network: Network Compression via Factor Transfer", NeurIPS 2018): a
small 3x3 convolutional auto-encoder whose code, with ``rate`` times the
teacher's channels, is the teacher "factor"."""
from typing import List, Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .connectors import BaseConnector


def conv_stack(channels: List[int],
               transposed: bool = False,
               negative_slope: float = 0.1,
               use_bn: bool = True) -> nn.Sequential:
    """3x3 (transposed) conv (+ BN) + LeakyReLU for each step of
    ``channels``, keeping the spatial size. The convolutions have biases,
    as in the authors' code and RepDistiller's ``models/util.py``."""
    conv = nn.ConvTranspose2d if transposed else nn.Conv2d
    layers: List[nn.Module] = []
    for c_in, c_out in zip(channels[:-1], channels[1:]):
        layers.append(conv(c_in, c_out, 3, padding=1))
        if use_bn:
            layers.append(nn.BatchNorm2d(c_out))
        layers.append(nn.LeakyReLU(negative_slope))
    return nn.Sequential(*layers)


def factor_channels(teacher_channels: int, rate: float) -> int:
    """Channels of a factor: ``rate`` times the teacher's, rounded down as
    in the authors' code (``int(C * k)``), at least 1."""
    if rate <= 0:
        raise ValueError(f'Factor Transfer: rate must be > 0, got {rate}.')
    return max(1, int(teacher_channels * rate))


def check_channels(owner: str, feature: torch.Tensor, channels: int) -> None:
    if feature.dim() != 4 or feature.size(1) != channels:
        raise ValueError(f'{owner}(in_channels={channels}) expects an '
                         f'(N, {channels}, H, W) feature, got shape '
                         f'{tuple(feature.shape)}.')


@MODELS.register_module()
class Paraphraser(BaseConnector):
    """Convolutional auto-encoder on the teacher's feature; its code is the
    teacher factor.

    Encoder: three 3x3 conv(-BN)-LeakyReLU layers ``C -> C -> kC -> kC``;
    decoder: three transposed ones back to ``C``. ``forward`` returns the
    factor; :meth:`reconstruct` the decoded feature, which the
    reconstruction loss compares with the input (see ``FTLoss``). Without
    BN by default, as RepDistiller's paraphraser (``use_bn=False`` there).

    Args:
        in_channels (int): Teacher channels ``C``.
        rate (float): Paraphrase rate ``k``. Defaults to 0.5.
        negative_slope (float): Of the LeakyReLUs. Defaults to 0.1.
        use_bn (bool): BN after each convolution. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 rate: float = 0.5,
                 negative_slope: float = 0.1,
                 use_bn: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = factor_channels(in_channels, rate)
        widths = [
            in_channels, in_channels, self.out_channels, self.out_channels
        ]
        self.encoder = conv_stack(widths, False, negative_slope, use_bn)
        self.decoder = conv_stack(widths[::-1], True, negative_slope, use_bn)

    def forward_connect(self, feature, reference):
        check_channels('Paraphraser', feature, self.in_channels)
        return self.encoder(feature)

    def reconstruct(self, factor: torch.Tensor) -> torch.Tensor:
        """Decode a factor back to a teacher-shaped feature map."""
        return self.decoder(factor)
