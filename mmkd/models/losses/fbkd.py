"""Feature-based distillation for detectors: attention-guided + non-local.

Zhang & Ma, "Improve Object Detection with Feature-based Knowledge
Distillation: Towards Accurate and Efficient Detectors", ICLR 2021.
Attention ``A_sp = HW softmax(mean_c|F| / tau)``, ``A_ch = C
softmax(mean_hw|F| / tau)``; masks ``M = (A(F_t) + A(F_s)) / 2`` (no gradient);
``L = a ||(F_t - f(F_s))^2 M_sp M_ch||_1^(1/2)
+ b (||P_ch(F_t) - g_ch(P_ch(F_s))||_2 + ||P_sp(F_t) - g_sp(P_sp(F_s))||_2)
+ c ||NL_t(F_t) - h(NL_s(F_s))||_2`` with mean poolings ``P``, learned
adaptations ``f, g, h`` and learned non-local blocks ``NL``.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import FEATURE_MAPS, BaseDistillLoss, Pairing, check_number, tau_arg
from .utils import check_same_shape

NAME = 'FBKDLoss'


class NonLocalBlock(nn.Module):
    """Dot-product non-local block with a residual connection.

    ``z = x + BN(W y)``, ``y_i = sum_j (theta(x)_i . phi(x)_j) g(x)_j / M``
    over the ``M`` positions of the max-pooled ``phi(x)``, ``g(x)``. The BN
    starts at zero, so the block starts as the identity.

    Args:
        channels (int): Channels of the input.
        inter_channels (int, optional): Channels of theta/phi/g. Defaults
            to ``channels // 2``.
        downsample_stride (int): Max-pooling of phi and g (ceil mode, so
            small maps keep at least one position). Defaults to 2.
    """

    def __init__(self,
                 channels: int,
                 inter_channels: Optional[int] = None,
                 downsample_stride: int = 2) -> None:
        super().__init__()
        inter = inter_channels or max(channels // 2, 1)
        self.theta = nn.Conv2d(channels, inter, 1)
        self.phi = nn.Conv2d(channels, inter, 1)
        self.g = nn.Conv2d(channels, inter, 1)
        self.out = nn.Sequential(
            nn.Conv2d(inter, channels, 1, bias=False),
            nn.BatchNorm2d(channels))
        nn.init.zeros_(self.out[1].weight)
        nn.init.zeros_(self.out[1].bias)
        self.downsample_stride = downsample_stride

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        s = self.downsample_stride
        return x if s <= 1 else F.max_pool2d(x, s, s, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        query = self.theta(x).flatten(2)  # (N, I, HW)
        key = self._pool(self.phi(x)).flatten(2)  # (N, I, M)
        value = self._pool(self.g(x)).flatten(2)  # (N, I, M)
        relation = query.transpose(1, 2) @ key / key.size(2)  # (N, HW, M)
        y = (relation @ value.transpose(1, 2)).transpose(1, 2)
        return x + self.out(y.reshape(n, -1, h, w))


def spatial_attention(x: torch.Tensor, tau: float) -> torch.Tensor:
    """``H W softmax_hw(mean_c |x| / tau)`` as ``(N, 1, H, W)``."""
    n, _, h, w = x.shape
    score = x.abs().mean(dim=1).reshape(n, -1) / tau
    return (h * w * score.softmax(dim=1)).reshape(n, 1, h, w)


def channel_attention(x: torch.Tensor, tau: float) -> torch.Tensor:
    """``C softmax_c(mean_hw |x| / tau)`` as ``(N, C, 1, 1)``."""
    n, c = x.shape[:2]
    score = x.abs().mean(dim=(2, 3)) / tau
    return (c * score.softmax(dim=1)).reshape(n, c, 1, 1)


@MODELS.register_module(name=['FBKDLoss', 'fbkd'])
class FBKDLoss(BaseDistillLoss):
    """FBKD on one feature level (one loss per FPN level / stage).

    Follows the official code: masks average the teacher's and the
    student's attention, each distance is a plain L2 norm over the whole
    batch (not a mean), and the weights are its 7e-5 (attention-masked
    feature loss), 4e-3 (attention loss) and 7e-5 (non-local loss) with
    ``tau = 0.5``. The official code leaves the channel mask out of the
    feature loss; the paper's formula (default here) keeps it
    (``use_channel_mask``). All adaptation layers and both non-local blocks
    are learned parameters of this loss; the teacher-side non-local block
    sees the detached teacher feature.

    Student and teacher must have the same shape; put a connector (e.g.
    ``ConvBNConnector``) in front when the channels differ.

    Args:
        in_channels (int): Channels of the student and teacher features.
        inter_channels (int, optional): Channels inside the non-local
            blocks. Defaults to ``in_channels // 2``.
        downsample_stride (int): Max-pool stride of the non-local blocks
            (8, 4, 2, 2, 2 on FPN P2-P6 in the official code). Defaults to 2.
        tau (float): Temperature of the attention (``temperature`` is
            accepted too). Defaults to 0.5.
        feat_weight (float): Weight of the attention-masked feature loss.
            Defaults to 7e-5.
        attention_weight (float): Weight of the spatial + channel attention
            loss. Defaults to 4e-3.
        nonlocal_weight (float): Weight of the non-local loss. Defaults to
            7e-5.
        use_channel_mask (bool): Weight the feature loss by the channel mask
            too. Defaults to True.
        loss_weight (float): Weight of the whole loss. Defaults to 1.0.
    """

    pairing = Pairing(
        FEATURE_MAPS.kind, ('stages', 'levels'),
        'shape',
        teacher_channels=('in_channels', ))

    def __init__(self,
                 in_channels: int,
                 inter_channels: Optional[int] = None,
                 downsample_stride: int = 2,
                 tau: Optional[float] = None,
                 feat_weight: float = 7e-5,
                 attention_weight: float = 4e-3,
                 nonlocal_weight: float = 7e-5,
                 use_channel_mask: bool = True,
                 loss_weight: float = 1.0,
                 *,
                 temperature: Optional[float] = None) -> None:
        super().__init__(loss_weight)
        self.in_channels = check_number(
            NAME, 'in_channels', in_channels, '[1, inf)', integer=True)
        self.tau = tau_arg(NAME, tau, 0.5, 'temperature', temperature)
        self.feat_adapt = nn.Conv2d(in_channels, in_channels, 1)
        self.channel_adapt = nn.Linear(in_channels, in_channels)
        self.spatial_adapt = nn.Conv2d(1, 1, 3, padding=1)
        self.student_nonlocal = NonLocalBlock(in_channels, inter_channels,
                                              downsample_stride)
        self.teacher_nonlocal = NonLocalBlock(in_channels, inter_channels,
                                              downsample_stride)
        self.nonlocal_adapt = nn.Conv2d(in_channels, in_channels, 1)
        self.feat_weight = check_number(NAME, 'feat_weight', feat_weight,
                                        '[0, inf)')
        self.attention_weight = check_number(NAME, 'attention_weight',
                                             attention_weight, '[0, inf)')
        self.nonlocal_weight = check_number(NAME, 'nonlocal_weight',
                                            nonlocal_weight, '[0, inf)')
        self.use_channel_mask = use_channel_mask

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student feature ``(N, C, H, W)``.
            teacher (Tensor): Teacher feature of the same shape.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape(NAME, student, teacher, ndim=4)
        if student.size(1) != self.in_channels:
            raise ValueError(
                f'{NAME}: configured for in_channels={self.in_channels}, got '
                f'student and teacher inputs of shape '
                f'{tuple(student.shape)}.')
        s = self.upcast_to_parameters(student)
        t = self.upcast_to_parameters(teacher.detach())
        tau = self.tau
        with torch.no_grad():
            mask = (spatial_attention(t, tau) + spatial_attention(s, tau)) / 2
            if self.use_channel_mask:
                mask = mask * (channel_attention(t, tau) +
                               channel_attention(s, tau)) / 2
        feat_loss = ((t - self.feat_adapt(s))**2 * mask).sum().sqrt()

        channel_loss = torch.dist(
            t.mean(dim=(2, 3)), self.channel_adapt(s.mean(dim=(2, 3))))
        spatial_loss = torch.dist(
            t.mean(dim=1, keepdim=True),
            self.spatial_adapt(s.mean(dim=1, keepdim=True)))

        nonlocal_loss = torch.dist(
            self.teacher_nonlocal(t),
            self.nonlocal_adapt(self.student_nonlocal(s)))

        loss = (
            self.feat_weight * feat_loss + self.attention_weight *
            (channel_loss + spatial_loss) +
            self.nonlocal_weight * nonlocal_loss)
        return self.loss_weight * loss
