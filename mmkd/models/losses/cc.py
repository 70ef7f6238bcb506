"""Correlation congruence.

Peng et al., "Correlation Congruence for Knowledge Distillation", ICCV 2019.
Two formulas, chosen with ``formula``:

- ``'taylor_rbf'`` (the paper): correlations between the L2-normalised
  embeddings of a batch use a Gaussian RBF kernel, approximated by its
  ``P``-order Taylor series,
  ``k(x, y) = sum_{p<=P} exp(-2 gamma) (2 gamma)^p / p! * (x . y)^p``;
  ``loss = mean_{i, j} (k_s(i, j) - k_t(i, j))^2``.
- ``'repdistiller'`` (the authors' code as RepDistiller ships it,
  ``distiller_zoo/CC.py``, behind RepDistiller's published CC numbers and
  its weight 0.02): with ``d = e_s - e_t`` on the raw embeddings,
  ``loss = mean_i sum_k |d_{i,k}| |d_{i+1,k}|`` over neighbouring samples
  ``i, i + 1`` of the batch.
"""
import math

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import EMBEDDINGS, BaseDistillLoss, check_number
from .utils import batch_embeddings, widen

FORMULAS = ('taylor_rbf', 'repdistiller')


@MODELS.register_module(name=['CCLoss', 'cc'])
class CCLoss(BaseDistillLoss):
    """Correlation-congruence loss between the student's and the teacher's
    embeddings of a batch.

    The embeddings usually come from learned connectors on both sides
    (:class:`~mmkd.models.connectors.LinearEmbedConnector`, the penultimate
    feature mapped to 128-d), named by the student's and the teacher's
    entries of ``loss_forward_mappings`` (explicit form). The teacher's
    recorded feature carries no gradient (the teacher runs under
    ``no_grad``), so by default the teacher input is *not* detached: the
    only thing its graph reaches is the teacher-side connector, which the
    loss trains along with the student's, as in RepDistiller. With
    ``'taylor_rbf'`` the embedding sizes may differ; ``'repdistiller'``
    subtracts them and needs equal sizes.

    The two formulas differ in scale by orders of magnitude (see
    ``configs/kd/cc/README.md``): a weight tuned for one does not carry
    over to the other.

    Args:
        formula (str): ``'taylor_rbf'`` (the paper's kernel) or
            ``'repdistiller'`` (the authors' code behind RepDistiller's
            numbers). Defaults to ``'taylor_rbf'``.
        gamma (float): Kernel parameter ``gamma`` of
            ``exp(-gamma * ||x - y||^2)`` (``'taylor_rbf'`` only).
            Defaults to 0.4.
        p_order (int): Order ``P`` of the Taylor series (``'taylor_rbf'``
            only). Defaults to 2.
        detach_teacher (bool): Detach the teacher input (freezes a
            teacher-side connector). Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = EMBEDDINGS

    def __init__(self,
                 formula: str = 'taylor_rbf',
                 gamma: float = 0.4,
                 p_order: int = 2,
                 detach_teacher: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if formula not in FORMULAS:
            raise ValueError(f'CCLoss: formula must be one of {FORMULAS}, '
                             f'got {formula!r}.')
        self.formula = formula
        self.gamma = check_number('CCLoss', 'gamma', gamma)
        self.p_order = check_number(
            'CCLoss', 'p_order', p_order, '[0, inf)', integer=True)
        self.detach_teacher = detach_teacher
        self.coefficients = [
            math.exp(-2 * self.gamma) * (2 * self.gamma)**p / math.factorial(p)
            for p in range(self.p_order + 1)
        ]

    def correlation(self, embed: torch.Tensor) -> torch.Tensor:
        """``(N, N)`` Taylor-approximated RBF kernel of the rows."""
        unit = F.normalize(embed, dim=1)
        cosine = unit @ unit.t()
        corr = torch.zeros_like(cosine)
        power = torch.ones_like(cosine)
        for coefficient in self.coefficients:
            corr = corr + coefficient * power
            power = power * cosine
        return corr

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
        student, teacher = batch_embeddings(
            'CCLoss', student, teacher, detach_teacher=self.detach_teacher)
        if self.formula == 'repdistiller':
            if student.shape != teacher.shape:
                raise ValueError(
                    "CCLoss(formula='repdistiller') subtracts the "
                    'embeddings and needs equal sizes, got student '
                    f'{tuple(student.shape)} and teacher '
                    f'{tuple(teacher.shape)}; embed both to the same size.')
            delta = (student - teacher).abs()
            return self.loss_weight * (delta[:-1] * delta[1:]).sum(1).mean()
        dtype = student.dtype
        student, teacher = widen(student, teacher)
        diff = self.correlation(student) - self.correlation(teacher)
        return (self.loss_weight * diff.pow(2).mean()).to(dtype)
