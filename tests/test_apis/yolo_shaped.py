"""A tiny model laid out like YOLOv5 (``model.model`` holds the layers, the
last one a ``Detect`` head): in training its head returns per-level raw
outputs ``(B, na, H, W, 5 + nc)``, in eval ``(inference, raw outputs)``.

Importable without mmkd (tests load pickled copies in a process where
mmkd cannot be imported).
"""
import torch
import torch.nn as nn

NUM_ANCHORS = 3


def conv(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
        nn.BatchNorm2d(out_channels), nn.SiLU())


class Detect(nn.Module):
    """A 1x1 conv per level, outputs laid out as YOLOv5's ``Detect``."""

    def __init__(self, nc: int, channels) -> None:
        super().__init__()
        self.nc, self.no = nc, 5 + nc
        self.m = nn.ModuleList(
            nn.Conv2d(c, NUM_ANCHORS * self.no, 1) for c in channels)

    def forward(self, features):
        raw = []
        for layer, x in zip(self.m, features):
            b, _, h, w = x.shape
            out = layer(x).view(b, NUM_ANCHORS, self.no, h, w)
            raw.append(out.permute(0, 1, 3, 4, 2).contiguous())
        if self.training:
            return raw
        return torch.cat(
            [r.sigmoid().view(r.size(0), -1, self.no) for r in raw], 1), raw


class TinyYOLO(nn.Module):
    """Layers 0-3 stride 2/4/8/16; ``model.4`` (Detect) sees 8 and 16."""

    def __init__(self, nc: int = 3, width: int = 4) -> None:
        super().__init__()
        self.nc = nc
        self.model = nn.Sequential(
            conv(3, width, 2), conv(width, 2 * width, 2),
            conv(2 * width, 4 * width, 2), conv(4 * width, 8 * width, 2),
            Detect(nc, (4 * width, 8 * width)))

    def forward(self, x):
        x = self.model[1](self.model[0](x))
        p3 = self.model[2](x)
        return self.model[4]([p3, self.model[3](p3)])


def detection_loss(raw) -> torch.Tensor:
    """A stand-in for YOLO's ComputeLoss: something of every output."""
    return sum(level.float().pow(2).mean() for level in raw)
