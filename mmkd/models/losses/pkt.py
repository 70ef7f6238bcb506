"""Probabilistic knowledge transfer.

Passalis and Tefas, "Learning Deep Representations with Probabilistic
Knowledge Transfer", ECCV 2018. Cosine similarities of the embeddings of a
batch, moved to ``[0, 1]``, become conditional distributions
``p(j | i) = (1 + cos(e_i, e_j)) / sum_k (1 + cos(e_i, e_k))``;
``loss = mean_{i, j} p_t(j | i) * log(p_t(j | i) / p_s(j | i))``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import EMBEDDINGS, BaseDistillLoss, check_number
from .utils import batch_embeddings, widen


@MODELS.register_module(name=['PKTLoss', 'pkt'])
class PKTLoss(BaseDistillLoss):
    """KL(teacher || student) between cosine-kernel conditional
    distributions.

    Inputs are per-sample embeddings (on CIFAR, the output of ``avgpool``,
    i.e. the input of ``linear``); any ``(N, ...)`` input is flattened per
    sample and student and teacher may differ in size. As in the authors'
    code, the kernel includes ``j == i`` and the divergence is averaged over
    the ``N^2`` entries (``sum / N^2``), which the usual weight 30000 is
    tuned for.

    Args:
        eps (float): Added inside the logarithm and to the norms.
            Defaults to 1e-7.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = EMBEDDINGS

    def __init__(self, eps: float = 1e-7, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.eps = check_number('PKTLoss', 'eps', eps, '[0, inf)')

    def conditional_probabilities(self, embed: torch.Tensor) -> torch.Tensor:
        """Row-stochastic ``(N, N)`` matrix ``p(j | i)`` of ``embed``."""
        unit = F.normalize(embed, dim=1, eps=self.eps)
        kernel = (unit @ unit.t() + 1) / 2
        return kernel / kernel.sum(1, keepdim=True)

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student embeddings, ``(N, Ds)`` or
                ``(N, C, H, W)``.
            teacher (Tensor): Teacher embeddings, ``(N, Dt)`` or
                ``(N, C, H, W)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        student, teacher = batch_embeddings('PKTLoss', student, teacher)
        dtype = student.dtype
        student, teacher = widen(student, teacher)
        p_s = self.conditional_probabilities(student)
        p_t = self.conditional_probabilities(teacher)
        kl = p_t * (torch.log(p_t + self.eps) - torch.log(p_s + self.eps))
        return (self.loss_weight * kl.mean()).to(dtype)
