"""Connectors: learnable or fixed adapters from a student feature to the
shape of its teacher counterpart."""
import logging
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule

from mmkd.registry import MODELS


class BaseConnector(BaseModule):
    """Base of connectors.

    ``forward(feature, reference=None)``: ``reference`` is the teacher tensor
    the output is compared with, given by the distiller when a loss pairs
    one student tensor with one teacher tensor; connectors use its shape.
    Outside autocast, half-precision inputs are cast to the parameters'
    dtype, so float32 connectors accept float16/bfloat16 features.
    """

    def forward(self,
                feature: torch.Tensor,
                reference: Optional[torch.Tensor] = None) -> torch.Tensor:
        param = next(self.parameters(), None)
        if param is not None and feature.dtype != param.dtype and \
                not torch.is_autocast_enabled():
            feature = feature.to(param.dtype)
        return self.forward_connect(feature, reference)

    def forward_connect(self, feature: torch.Tensor,
                        reference: Optional[torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError


def _resize(feature: torch.Tensor, size, mode: str,
            align_corners: Optional[bool]) -> torch.Tensor:
    if tuple(feature.shape[-2:]) == tuple(size):
        return feature
    kwargs = {} if mode in ('nearest',
                            'area') else dict(align_corners=align_corners)
    return F.interpolate(feature, size=tuple(size), mode=mode, **kwargs)


@MODELS.register_module()
class IdentityConnector(BaseConnector):
    """Passes the feature through unchanged."""

    def forward_connect(self, feature, reference):
        return feature


@MODELS.register_module()
class ResizeConnector(BaseConnector):
    """Resizes a feature map to ``size`` or, if not given, to the spatial
    size of the teacher feature it is compared with.

    Args:
        size (Sequence[int], optional): Output ``(H, W)``. Defaults to None.
        mode (str): Interpolation mode. Defaults to ``'bilinear'``.
        align_corners (bool): Defaults to False.
    """

    def __init__(self,
                 size: Optional[Sequence[int]] = None,
                 mode: str = 'bilinear',
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.size, self.mode, self.align_corners = size, mode, align_corners

    def forward_connect(self, feature, reference):
        size = self.size
        if size is None:
            if reference is None:
                raise ValueError(
                    'ResizeConnector without size needs a teacher tensor to '
                    'take the size from; set size=(H, W).')
            size = reference.shape[-2:]
        return _resize(feature, size, self.mode, self.align_corners)


@MODELS.register_module()
class ConvBNConnector(BaseConnector):
    """Conv (1x1 by default) + BN (+ ReLU) from student to teacher channels,
    the FitNet-style regressor.

    Args:
        in_channels (int): Student channels.
        out_channels (int): Teacher channels.
        kernel_size (int): Defaults to 1.
        norm (bool): Add a BatchNorm. Defaults to True.
        act (bool): Add a ReLU. Defaults to False.
        resize (bool): Also resize (bilinear) to the teacher feature's
            spatial size; it needs a loss that pairs the student tensor with
            one teacher tensor, else an error says so. The first resize is
            logged once. Without it, an output whose spatial size differs
            from the teacher's is passed on as it is, with a warning logged
            once. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 1,
                 norm: bool = True,
                 act: bool = False,
                 resize: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        layers = [
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                padding=kernel_size // 2,
                bias=not norm)
        ]
        if norm:
            layers.append(nn.BatchNorm2d(out_channels))
        if act:
            layers.append(nn.ReLU(inplace=True))
        self.layers = nn.Sequential(*layers)
        self.resize = resize
        self._reported = False  # the resize (or its absence) logged once

    def forward_connect(self, feature, reference):
        if feature.dim() != 4 or feature.size(1) != self.in_channels:
            raise ValueError(
                f'ConvBNConnector(in_channels={self.in_channels}) got a '
                f'feature of shape {tuple(feature.shape)}.')
        out = self.layers(feature)
        if self.resize and reference is None:
            raise ValueError(
                'ConvBNConnector(resize=True) needs the teacher tensor to '
                'take the size from, but its loss does not pair the student '
                'tensor with one teacher tensor; use a ResizeConnector with '
                'size=(H, W) or resize=False.')
        if reference is None or reference.dim() != 4:
            return out
        size, target = tuple(out.shape[-2:]), tuple(reference.shape[-2:])
        if size != target and not self._reported:
            self._reported = True
            if self.resize:
                print_log(
                    f'ConvBNConnector: resizing its output from {size} to '
                    f"the teacher's {target} (bilinear).",
                    logger='current')
            else:
                print_log(
                    f'ConvBNConnector(resize=False): its output is {size}, '
                    f"the teacher's {target}; passed on unresized (set "
                    'resize=True to interpolate it to the teacher\'s size).',
                    logger='current',
                    level=logging.WARNING)
        if self.resize:
            out = _resize(out, target, 'bilinear', False)
        return out
