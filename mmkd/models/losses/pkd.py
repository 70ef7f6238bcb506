"""PKD: feature distillation with the Pearson correlation coefficient.

Cao et al., "PKD: General Distillation Framework for Object Detectors via
Pearson Correlation Coefficient", NeurIPS 2022. Each channel is standardised
over ``(N, H, W)`` on both sides, ``z = (x - mean) / (std + 1e-6)`` with
the sample (Bessel-corrected) standard deviation, as the authors' release
in MMRazor (``torch.std``'s default);
``loss = MSE(z_s, z_t) / 2``, i.e. ``(1 - r) (n - 1) / n`` for the
per-channel Pearson correlation ``r`` of ``n = N H W`` values, summed over
FPN levels.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import FEATURE_MAPS, BaseDistillLoss, Levels, Pairing, upcast_all
from .utils import check_feature_map, level_name


def standardize(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Standardise each channel of an ``(N, C, H, W)`` map over
    ``(N, H, W)`` with the sample standard deviation (divisor
    ``N H W - 1``). A map with one value per channel (a 1x1 level of a
    single image) has no spread: it standardises to zeros, not NaN."""
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    count = x.numel() // x.size(1)
    std = x.std(dim=(0, 2, 3), keepdim=True, unbiased=count > 1)
    return (x - mean) / (std + eps)


@MODELS.register_module(name=['PKDLoss', 'pkd'])
class PKDLoss(BaseDistillLoss):
    """Pearson-correlation feature loss for (FPN) feature maps.

    Free of learnable parts: the standardisation removes the magnitude and
    offset differences between student and teacher features, so no
    connector is needed when the channel counts agree.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        resize_stu (bool): When spatial sizes differ, resize (bilinear) the
            student map to the teacher's size; otherwise the teacher map to
            the student's. Defaults to True.
    """

    pairing = Pairing(FEATURE_MAPS.kind, ('levels', 'stages'), 'shape')

    def __init__(self,
                 loss_weight: float = 1.0,
                 resize_stu: bool = True) -> None:
        super().__init__(loss_weight)
        self.resize_stu = resize_stu

    def forward(self, student: Levels, teacher: Levels) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor | Sequence[Tensor]): Student ``(N, C, H, W)``
                map(s), one per level.
            teacher (Tensor | Sequence[Tensor]): Teacher map(s), with the
                same ``N`` and ``C`` at each level.

        Returns:
            Tensor: The weighted scalar loss, summed over levels.
        """
        pairs = self.levels(student, teacher)
        total = 0.
        for i, (s, t) in enumerate(pairs):
            name = level_name('PKDLoss', i, len(pairs))
            check_feature_map(name, 'student', s)
            check_feature_map(name, 'teacher', t)
            if s.shape[:2] != t.shape[:2]:
                raise ValueError(
                    f'{name}: student shape {tuple(s.shape)} and teacher '
                    f'shape {tuple(t.shape)} must agree in batch size and '
                    'channels; add a connector for the channels.')
            s, t = upcast_all(s, t.detach())
            if s.shape[2:] != t.shape[2:]:
                if self.resize_stu:
                    s = F.interpolate(
                        s, t.shape[2:], mode='bilinear', align_corners=False)
                else:
                    t = F.interpolate(
                        t, s.shape[2:], mode='bilinear', align_corners=False)
            total = total + F.mse_loss(standardize(s), standardize(t)) / 2
        return self.loss_weight * total
