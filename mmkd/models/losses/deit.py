"""DeiT's distillation loss on the distillation token's logits.

Touvron et al., "Training data-efficient image transformers & distillation
through attention", ICML 2021 (facebookresearch/deit, ``losses.py``).
Hard distillation: ``loss = CE(z_dist, argmax(z_t))``, the teacher's
decision taken as a label. Soft distillation, as DeiT's code computes it:
``loss = tau^2 * sum KL(softmax(z_t / tau) || softmax(z_dist / tau)) / (N C)``
(divided by the number of logits, not of samples). DeiT's total is
``(1 - alpha) * CE(z_cls, y) + alpha * loss``: the class token's label loss
is the student head's own (``DeiTDistillHead``), ``alpha`` this loss's
``loss_weight``.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, tau_arg, upcast_all
from .utils import check_same_shape


@MODELS.register_module()
class DeiTLoss(BaseDistillLoss):
    """DeiT's hard or soft distillation of the distillation token.

    Args:
        mode (str): ``'hard'`` (the cross-entropy with the teacher's
            arg-max class, DeiT's best recipe) or ``'soft'`` (DeiT's
            KL divergence at temperature ``tau``). Defaults to ``'hard'``.
        tau (float): Temperature of the soft mode; the hard mode takes no
            temperature (any other value than 1.0 is refused there).
            Defaults to 1.0.
        loss_weight (float): DeiT's ``alpha`` (0.5 in its recipes).
            Defaults to 1.0.
    """

    # the distillation token's logits (the head's ``layers.head_dist``)
    # with the teacher's logits
    pairing = Pairing(
        "distillation-token logits with the teacher's logits; shapes "
        'must match', ('logits', ), 'same')

    def __init__(self,
                 mode: str = 'hard',
                 tau: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if mode not in ('hard', 'soft'):
            raise ValueError(
                f"DeiTLoss: mode must be 'hard' or 'soft', got {mode!r}.")
        self.tau = tau_arg(type(self).__name__, tau, 1.0)
        if mode == 'hard' and self.tau != 1.0:
            raise ValueError(
                f'DeiTLoss: tau={tau} has no effect on the hard mode (the '
                "teacher's arg-max class); use mode='soft' or drop tau.")
        self.mode = mode

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): The distillation token's logits, ``(N, C)``.
            teacher (Tensor): Teacher logits, ``(N, C)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_same_shape(type(self).__name__, student, teacher, ndim=2)
        student, teacher = upcast_all(student, teacher.detach())
        if self.mode == 'hard':
            loss = F.cross_entropy(student, teacher.argmax(dim=1))
        else:
            kl = F.kl_div(
                F.log_softmax(student / self.tau, dim=1),
                F.log_softmax(teacher / self.tau, dim=1),
                reduction='sum',
                log_target=True)
            loss = kl * self.tau**2 / student.numel()
        return self.loss_weight * loss
