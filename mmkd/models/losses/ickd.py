"""Inter-channel correlation knowledge distillation.

Liu et al., "Exploring Inter-Channel Correlation for Diversity-preserved
Knowledge Distillation", ICCV 2021. Per sample, the feature map flattened to
``F`` (``C x HW``) gives the channel Gram matrix ``G = F F^T``, each row
L2-normalised; ``loss = sum_{n, i, j} (G_s - G_t)^2 / (N * C)``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import FEATURE_MAPS, BaseDistillLoss, Levels, Pairing, upcast_all
from .utils import check_feature_map, level_name


def inter_channel_correlation(feature: torch.Tensor) -> torch.Tensor:
    """``(N, C, C)`` Gram matrices over the channels of an ``(N, C, H, W)``
    map, each row scaled to unit L2 norm."""
    flat = feature.flatten(2)
    return F.normalize(flat @ flat.transpose(1, 2), dim=2)


@MODELS.register_module(name=['ICKDLoss', 'ickd'])
class ICKDLoss(BaseDistillLoss):
    """Squared distance between student and teacher inter-channel
    correlation matrices.

    The student map goes through a 1x1 conv + BN connector to the
    teacher's channels (``ConvBNConnector``, as in the authors' code); the
    spatial sizes may differ, since the matrices are ``C x C``. On CIFAR
    the authors use the last feature map before global pooling, weight 2.5.
    A list/tuple of maps (one per level, e.g. FPN outputs) is summed over
    levels.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing(FEATURE_MAPS.kind, ('stages', 'levels'), 'shape')

    def forward(self, student: Levels, teacher: Levels) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor | Sequence[Tensor]): Student ``(N, C, Hs, Ws)``
                map(s), already mapped to the teacher's channels.
            teacher (Tensor | Sequence[Tensor]): Teacher ``(N, C, Ht, Wt)``
                map(s).

        Returns:
            Tensor: The weighted scalar loss, summed over levels.
        """
        pairs = self.levels(student, teacher)
        total = 0.
        for i, (s, t) in enumerate(pairs):
            name = level_name('ICKDLoss', i, len(pairs))
            check_feature_map(name, 'student', s)
            check_feature_map(name, 'teacher', t)
            if s.shape[:2] != t.shape[:2]:
                raise ValueError(
                    f'{name}: the student map {tuple(s.shape)} and the '
                    f'teacher map {tuple(t.shape)} differ in batch size or '
                    'channels; map the student to the teacher channels with '
                    'a connector (e.g. ConvBNConnector).')
            n, c = s.shape[:2]
            s, t = upcast_all(s, t.detach())
            diff = inter_channel_correlation(s) - inter_channel_correlation(t)
            total = total + diff.pow(2).sum() / (n * c)
        return self.loss_weight * total
