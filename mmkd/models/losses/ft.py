"""Factor Transfer.

Kim, Park and Kwak, "Paraphrasing Complex Network: Network Compression via
Factor Transfer", NeurIPS 2018. A paraphraser (auto-encoder) trained to
reconstruct the teacher feature gives the teacher factor ``F_t``; a translator
on the student gives ``F_s``. Two distances, chosen with ``formula``:

- ``'paper'``: ``mean |u_t - u_s|^p`` with ``u = F / ||F||_2`` the whole
  flattened factor of a sample;
- ``'repdistiller'`` (RepDistiller's ``distiller_zoo/FT.py``, behind its
  published FT numbers and weight 200): ``u = normalize(mean_c F^2)``, an
  ``H x W`` map per sample, then ``mean |u_t - u_s|^p`` (the larger map
  average-pooled to the smaller).
"""
from typing import Optional

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, check_number
from .utils import check_feature_map

FORMULAS = ('paper', 'repdistiller')
PARAPHRASER_MODES = ('joint', 'frozen')
RECON_FORMULAS = ('mse', 'normalized')


def normalized_l2(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MMRazor's ``L2Loss`` (its defaults): each sample's flattened map
    scaled to unit L2 norm, squared distances summed over a sample and
    averaged over the batch."""
    diff = F.normalize(
        output.flatten(1), dim=1, eps=0.0) - F.normalize(
            target.flatten(1), dim=1, eps=0.0)
    return diff.pow(2).sum() / output.size(0)


def factor_distance(student: torch.Tensor, teacher: torch.Tensor,
                    p: float) -> torch.Tensor:
    """Mean over samples and factor elements of ``|u_t - u_s|^p``, where
    ``u`` is the per-sample flattened factor scaled to unit L2 norm."""
    u_s = F.normalize(student.flatten(1), dim=1)
    u_t = F.normalize(teacher.flatten(1), dim=1)
    return (u_t - u_s).abs().pow(p).mean()


def channel_factor_distance(student: torch.Tensor, teacher: torch.Tensor,
                            p: float) -> torch.Tensor:
    """RepDistiller's distance: ``u = normalize(mean_c F^2)`` per sample
    (an ``H x W`` map, the larger one average-pooled to the smaller), then
    the mean of ``|u_t - u_s|^p``."""
    h_s, h_t = student.size(2), teacher.size(2)
    if h_s > h_t:
        student = F.adaptive_avg_pool2d(student, teacher.shape[2:])
    elif h_t > h_s:
        teacher = F.adaptive_avg_pool2d(teacher, student.shape[2:])
    u_s = F.normalize(student.pow(2).mean(1).flatten(1), dim=1)
    u_t = F.normalize(teacher.pow(2).mean(1).flatten(1), dim=1)
    return (u_t - u_s).abs().pow(p).mean()


@MODELS.register_module(name=['FTLoss', 'ft'])
class FTLoss(BaseDistillLoss):
    """Factor-transfer loss, owning the paraphraser.

    ``forward(student, teacher)`` takes the student's factor (the output of
    a ``Translator`` connector) and the teacher's raw feature map. The
    paraphraser encodes the teacher feature into ``F_t``; only the student
    and the translator learn from the transfer term. How the paraphraser
    learns (``paraphraser_mode``):

    - ``'frozen'``: as the paper and RepDistiller, it is pre-trained on its
      reconstruction MSE in an init stage
      (:class:`~mmkd.engine.hooks.InitStageHook`, which calls
      :meth:`set_init_stage`; the loss then returns
      ``recon_weight * reconstruction``) and is frozen afterwards: no
      gradients, no reconstruction term; the loss is
      ``loss_weight * FT``.
    - ``'joint'``: it trains along with the student, the loss being
      ``loss_weight * FT + recon_weight * reconstruction``.

    Args:
        in_channels (int): Channels of the teacher feature.
        rate (float): Paraphrase rate ``k`` (factor channels
            ``k * in_channels``). Defaults to 0.5.
        p (float): Exponent of the factor difference. Defaults to 1.
        formula (str): ``'paper'`` or ``'repdistiller'`` (see the module
            docstring). Defaults to ``'paper'``.
        paraphraser_mode (str): ``'joint'`` or ``'frozen'``. Defaults to
            ``'joint'``.
        recon_weight (float): Weight of the paraphraser's reconstruction
            loss. Defaults to 1.0.
        recon_formula (str): The reconstruction loss: ``'mse'`` (the
            authors' and RepDistiller's) or ``'normalized'`` (MMRazor's
            paraphraser pre-training, its ``L2Loss``: per-sample unit-norm
            maps, squared distance summed per sample, averaged over the
            batch). Defaults to ``'mse'``.
        init_stage (bool): Start in the init stage (the loss is the
            reconstruction alone), for a run that only pre-trains the
            paraphraser (MMRazor's first FT config); ``'joint'`` mode then
            keeps the paraphraser trainable. Defaults to False.
        paraphraser (dict, optional): Config overriding the default
            ``dict(type='Paraphraser', in_channels=in_channels, rate=rate)``.
            Defaults to None.
        loss_weight (float): Weight of the transfer term. Defaults to 1.0.
    """

    pairing = Pairing(
        'feature maps of the same size, the student\'s through a '
        'Translator connector', ('stages', ),
        'size',
        teacher_channels=('in_channels', ))

    def __init__(self,
                 in_channels: int,
                 rate: float = 0.5,
                 p: float = 1.0,
                 formula: str = 'paper',
                 paraphraser_mode: str = 'joint',
                 recon_weight: float = 1.0,
                 recon_formula: str = 'mse',
                 init_stage: bool = False,
                 paraphraser: Optional[dict] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        rate = check_number('FTLoss', 'rate', rate)
        for name, value, allowed in (('formula', formula, FORMULAS),
                                     ('paraphraser_mode', paraphraser_mode,
                                      PARAPHRASER_MODES), ('recon_formula',
                                                           recon_formula,
                                                           RECON_FORMULAS)):
            if value not in allowed:
                raise ValueError(f'FTLoss: {name} must be one of {allowed}, '
                                 f'got {value!r}.')
        cfg = dict(type='Paraphraser', in_channels=in_channels, rate=rate)
        cfg.update(paraphraser or {})
        self.paraphraser = MODELS.build(cfg)
        self.in_channels = in_channels
        self.p = check_number('FTLoss', 'p', p)
        self.formula = formula
        self.paraphraser_mode = paraphraser_mode
        self.recon_weight = check_number('FTLoss', 'recon_weight',
                                         recon_weight, '[0, inf)')
        self.recon_formula = recon_formula
        if not isinstance(init_stage, bool):
            raise TypeError(
                f'FTLoss: init_stage must be a bool, got {init_stage!r}.')
        self.init_stage = init_stage
        if paraphraser_mode == 'frozen':
            self.paraphraser.requires_grad_(False)

    def set_init_stage(self, active: bool) -> None:
        """Switch the init stage on (the loss is the paraphraser's
        reconstruction alone) or off; called by ``InitStageHook``."""
        self.init_stage = bool(active)

    def _check(self, student: torch.Tensor, teacher: torch.Tensor) -> None:
        check_feature_map('FTLoss', 'student', student)
        check_feature_map('FTLoss', 'teacher', teacher)
        if teacher.size(1) != self.in_channels:
            raise ValueError(
                f'FTLoss: configured for in_channels={self.in_channels} but '
                f'got a teacher feature of shape {tuple(teacher.shape)}.')

    def reconstruction(self,
                       teacher: torch.Tensor,
                       factor: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The paraphraser's reconstruction loss (``recon_formula``) on
        ``teacher``, from its ``factor`` where it is already encoded."""
        distance = normalized_l2 if self.recon_formula == 'normalized' \
            else F.mse_loss
        with torch.autocast(device_type=teacher.device.type, enabled=False):
            if factor is None:
                factor = self.paraphraser(teacher)
            return distance(self.paraphraser.reconstruct(factor), teacher)

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student factor from the translator,
                ``(N, k * C, H, W)``.
            teacher (Tensor): Teacher feature map, ``(N, C, H, W)``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        self._check(student, teacher)
        teacher = self.upcast_to_parameters(teacher.detach())
        if self.init_stage:
            return self.recon_weight * self.reconstruction(teacher)
        frozen = self.paraphraser_mode == 'frozen'
        with torch.autocast(device_type=teacher.device.type, enabled=False), \
                torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):
            factor_t = self.paraphraser(teacher)
            loss_recon = None if frozen else self.reconstruction(
                teacher, factor_t)
        factor_t = factor_t.detach()
        if student.shape[:2] != factor_t.shape[:2] or (
                self.formula == 'paper' and student.shape != factor_t.shape):
            raise ValueError(
                f'FTLoss: the student factor {tuple(student.shape)} differs '
                f'from the paraphraser factor {tuple(factor_t.shape)} of the '
                f'teacher feature {tuple(teacher.shape)}; give the student '
                "feature a Translator connector with the teacher's channels "
                'as out_channels and the same rate.')
        distance = channel_factor_distance if self.formula == 'repdistiller' \
            else factor_distance
        loss = self.loss_weight * distance(
            self.upcast_to_parameters(student), factor_t, self.p)
        if loss_recon is not None:
            loss = loss + self.recon_weight * loss_recon
        return loss
