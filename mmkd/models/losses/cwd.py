"""Channel-wise knowledge distillation.

Shu et al., "Channel-wise Knowledge Distillation for Dense Prediction",
ICCV 2021. Each channel of an ``(N, C, H, W)`` map becomes a distribution over
its ``H * W`` positions, ``p = softmax(x / tau)``;
``loss = tau^2 * sum(p_T * (log p_T - log p_S)) / (N * C)``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import FEATURE_MAPS, BaseDistillLoss, Levels, tau_arg, upcast_all
from .utils import check_same_shape, level_name


@MODELS.register_module(name=['ChannelWiseDivergence', 'cwd'])
class ChannelWiseDivergence(BaseDistillLoss):
    """Channel-wise KL divergence between spatial distributions.

    Works on any ``(N, C, H, W)`` pair: segmentation logits (``tau=1``,
    ``loss_weight=5`` in the paper's Cityscapes setting) or FPN features
    (``tau=1``, ``loss_weight=10``). A list/tuple of maps (one per level) is
    summed over levels.

    Args:
        tau (float): Temperature. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = FEATURE_MAPS

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.tau = tau_arg('ChannelWiseDivergence', tau, 1.0)

    def forward(self, student: Levels, teacher: Levels) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor | Sequence[Tensor]): Student ``(N, C, H, W)``
                map(s).
            teacher (Tensor | Sequence[Tensor]): Teacher map(s) of the same
                shapes.

        Returns:
            Tensor: The weighted scalar loss, summed over levels.
        """
        pairs = self.levels(student, teacher)
        total = 0.
        for i, (s, t) in enumerate(pairs):
            check_same_shape(
                level_name('ChannelWiseDivergence', i, len(pairs)),
                s,
                t,
                ndim=4)
            n, c = s.shape[:2]
            s, t = upcast_all(s, t.detach())
            log_p_s = F.log_softmax(s.flatten(2) / self.tau, dim=2)
            log_p_t = F.log_softmax(t.flatten(2) / self.tau, dim=2)
            kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum()
            total = total + kl * self.tau**2 / (n * c)
        return self.loss_weight * total
