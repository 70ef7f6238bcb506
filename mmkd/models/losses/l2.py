"""L2 (FitNet hint) feature loss.

Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015. The student's
guided layer goes through a regressor ``r`` (a connector, e.g.
``ConvBNConnector``) and is matched to the teacher's hint layer:
``loss = mean((r(s) - t)^2)``; a list of maps is summed over levels.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Levels, Pairing, upcast_all
from .utils import check_same_shape, level_name


class PointwiseFeatureLoss(BaseDistillLoss):
    """Base of element-wise distances between same-shaped tensors.

    Subclasses define :meth:`distance` on ``student - teacher``.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (bool): L2-normalise each sample (flattened over all but
            the first dimension) before the difference. Defaults to False.
        reduction (str): ``'mean'`` over all elements, ``'sum'``, or
            ``'batchmean'`` (sum divided by the batch size). Defaults to
            ``'mean'``.
    """

    pairing = Pairing('features of the same shape (a connector adapts them)',
                      ('stages', 'levels', 'embedding'), 'shape')

    reductions = ('mean', 'sum', 'batchmean')

    def __init__(self,
                 loss_weight: float = 1.0,
                 normalize: bool = False,
                 reduction: str = 'mean') -> None:
        super().__init__(loss_weight)
        name = type(self).__name__
        if reduction not in self.reductions:
            raise ValueError(f'{name}: reduction must be one of '
                             f'{self.reductions}, got {reduction!r}.')
        self.normalize = normalize
        self.reduction = reduction

    def distance(self, diff: torch.Tensor) -> torch.Tensor:
        """Element-wise distance of ``student - teacher``."""
        raise NotImplementedError

    def forward(self, student: Levels, teacher: Levels) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor | Sequence[Tensor]): Student tensor(s), one per
                level.
            teacher (Tensor | Sequence[Tensor]): Teacher tensor(s) of the
                same shapes.

        Returns:
            Tensor: The weighted scalar loss, summed over levels.
        """
        name = type(self).__name__
        pairs = self.levels(student, teacher)
        total = 0.
        for i, (s, t) in enumerate(pairs):
            lname = level_name(name, i, len(pairs))
            check_same_shape(lname, s, t)
            s, t = upcast_all(s, t.detach())
            if self.normalize:
                if s.dim() < 2:
                    raise ValueError(
                        f'{lname}: normalize=True needs (N, ...) inputs with '
                        f'a batch dimension, got shape {tuple(s.shape)}.')
                s = F.normalize(s.flatten(1), dim=1)
                t = F.normalize(t.flatten(1), dim=1)
            dist = self.distance(s - t)
            if self.reduction == 'mean':
                dist = dist.mean()
            elif self.reduction == 'sum':
                dist = dist.sum()
            else:
                batch = s.size(0) if s.dim() else 1
                dist = dist.sum() / max(batch, 1)
            total = total + dist
        return self.loss_weight * total


@MODELS.register_module(name=['L2Loss', 'l2', 'FitNetLoss', 'fitnet'])
class L2Loss(PointwiseFeatureLoss):
    """Squared-error (MSE) loss between student and teacher tensors.

    With a regressor connector on the student side this is FitNet's hint
    loss (weight 100 on CIFAR-100), registered under the method's names
    too: ``type='FitNetLoss'`` (or ``'fitnet'``) builds this class, which
    logs as ``distill.loss_l2`` whichever name built it (the FitNet configs
    name theirs ``loss_fitnet`` with ``loss_name``). The regressor (e.g.
    ``ConvBNConnector`` with ``act=True``, RepDistiller's ``ConvReg`` for
    maps of equal size) must give the student input the teacher's shape.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (bool): L2-normalise each flattened sample first.
            Defaults to False.
        reduction (str): ``'mean'``, ``'sum'`` or ``'batchmean'``.
            Defaults to ``'mean'``.
    """

    def distance(self, diff: torch.Tensor) -> torch.Tensor:
        return diff.pow(2)
