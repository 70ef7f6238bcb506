"""Linear embedding connector: per-sample features to a fixed-size
embedding."""
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .connectors import BaseConnector


@MODELS.register_module()
class LinearEmbedConnector(BaseConnector):
    """Flattens each sample, maps it with a linear layer to
    ``out_channels`` and optionally scales it to unit L2 norm.

    Used by relational losses that compare embeddings of a common size
    (e.g. CC). In the explicit form of ``ConfigurableDistiller`` the
    teacher's mapping entry may name a connector too, so student and teacher
    each get their own learned embedding.

    Args:
        in_channels (int): Size of the flattened input (e.g. 64 for the
            ``(N, 64)`` input of a resnet20's ``linear``, or its
            ``(N, 64, 1, 1)`` ``avgpool`` output).
        out_channels (int): Size of the embedding. Defaults to 128.
        normalize (bool): Scale each embedding to unit L2 norm.
            Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 128,
                 normalize: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.linear = nn.Linear(in_channels, out_channels)
        self.normalize = normalize

    def forward_connect(self, feature: torch.Tensor,
                        reference: Optional[torch.Tensor]) -> torch.Tensor:
        if feature.dim() < 2 or feature[0].numel() != self.in_channels:
            raise ValueError(
                f'LinearEmbedConnector(in_channels={self.in_channels}) got a '
                f'feature of shape {tuple(feature.shape)}; it needs (N, ...) '
                f'with {self.in_channels} values per sample.')
        out = self.linear(feature.flatten(1))
        return F.normalize(out, dim=1) if self.normalize else out
