"""FitNet hint loss.

Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015. The student's
guided layer goes through a regressor ``r`` (a connector) and is matched to
the teacher's hint layer: ``loss = mean_{N,C,H,W} (r(s) - t)^2``.
"""
from mmkd.registry import MODELS
from .l2 import L2Loss


@MODELS.register_module(name=['FitNetLoss', 'fitnet'])
class FitNetLoss(L2Loss):
    """Mean squared error between the regressed student hint and the
    teacher hint: :class:`L2Loss` under the method's name (its log key is
    ``distill.loss_fitnet``).

    The regressor is a connector (e.g. ``ConvBNConnector`` with ``act=True``,
    RepDistiller's ``ConvReg`` for maps of equal size), so the student input
    must already have the teacher's shape.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (bool): L2-normalise each flattened sample first.
            Defaults to False.
        reduction (str): ``'mean'``, ``'sum'`` or ``'batchmean'``.
            Defaults to ``'mean'``.
    """
