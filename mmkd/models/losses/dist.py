"""DIST: distillation by correlation of predictions.

Huang, You, Wang, Qian and Xu, "Knowledge Distillation from A Stronger
Teacher", NeurIPS 2022. With ``Y = softmax(Z / tau)`` (rows: samples,
columns: classes) and Pearson correlation ``rho``:
``tau^2 * (beta * (1 - mean_i rho(Ys_i, Yt_i)) + gamma * (1 - mean_j
rho(Ys_:j, Yt_:j)))``: inter-class relations per sample (rows) and
intra-class relations per class (columns).
"""
import torch

from mmkd.registry import MODELS
from .base import LOGITS, BaseDistillLoss, check_number, tau_arg, upcast_all
from .utils import check_same_shape


def _mean_row_correlation(a: torch.Tensor, b: torch.Tensor,
                          eps: float) -> torch.Tensor:
    """Mean over rows of the Pearson correlation of ``a[i]`` and ``b[i]``;
    ``eps`` keeps a constant row from dividing by zero (it counts as 0)."""
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    cov = (a * b).sum(dim=1)
    return (cov / (a.norm(dim=1) * b.norm(dim=1) + eps)).mean()


@MODELS.register_module(name=['DISTLoss', 'dist'])
class DISTLoss(BaseDistillLoss):
    """Relation-based KD on class probabilities (DIST).

    Takes classification logits ``(N, C)`` or dense logits
    ``(N, C, H, W)`` (segmentation), whose pixels then count as the
    samples. The intra-class term correlates each class over the batch:
    it needs a batch of several samples (with one it is constant, 1).

    Args:
        beta (float): Weight of the inter-class term. Defaults to 1.0.
        gamma (float): Weight of the intra-class term. Defaults to 1.0.
        tau (float): Temperature of the softmax. Defaults to 1.0.
        eps (float): Added to the denominators of the correlations.
            Defaults to 1e-8.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = LOGITS

    def __init__(self,
                 beta: float = 1.0,
                 gamma: float = 1.0,
                 tau: float = 1.0,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.beta = check_number('DISTLoss', 'beta', beta, '[0, inf)')
        self.gamma = check_number('DISTLoss', 'gamma', gamma, '[0, inf)')
        self.tau = tau_arg('DISTLoss', tau, 1.0)
        self.eps = check_number('DISTLoss', 'eps', eps, '[0, inf)')

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student logits, ``(N, C)`` or ``(N, C, H, W)``.
            teacher (Tensor): Teacher logits of the same shape.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape('DISTLoss', student, teacher)
        if student.dim() not in (2, 4):
            raise ValueError(
                'DISTLoss: expects logits (N, C) or (N, C, H, W), got '
                f'inputs of shape {tuple(student.shape)}.')
        probs = []
        for logits in upcast_all(student, teacher.detach()):
            if logits.dim() == 4:
                logits = logits.permute(0, 2, 3, 1).flatten(0, 2)
            probs.append(torch.softmax(logits / self.tau, dim=1))
        p_s, p_t = probs
        inter = 1 - _mean_row_correlation(p_s, p_t, self.eps)
        intra = 1 - _mean_row_correlation(p_s.t(), p_t.t(), self.eps)
        loss = self.tau**2 * (self.beta * inter + self.gamma * intra)
        return self.loss_weight * loss
