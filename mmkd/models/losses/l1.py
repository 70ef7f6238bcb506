"""L1 feature loss.

The absolute-error counterpart of the FitNet hint loss (Romero et al.,
"FitNets: Hints for Thin Deep Nets", ICLR 2015):
``loss = mean(|s - t|)``; a list of maps is summed over levels.
"""
import torch

from mmkd.registry import MODELS
from .l2 import PointwiseFeatureLoss


@MODELS.register_module(name=['L1Loss', 'l1'])
class L1Loss(PointwiseFeatureLoss):
    """Absolute-error loss between student and teacher tensors.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (bool): L2-normalise each flattened sample first.
            Defaults to False.
        reduction (str): ``'mean'``, ``'sum'`` or ``'batchmean'``.
            Defaults to ``'mean'``.
    """

    def distance(self, diff: torch.Tensor) -> torch.Tensor:
        return diff.abs()
