"""Vanilla KD from cached top-k teacher logits.

Hinton et al., "Distilling the Knowledge in a Neural Network", 2015, with
the soft labels stored ahead of training as in FKD (Shen & Xing, "A Fast
Knowledge Distillation Framework for Visual Recognition", ECCV 2022).
``loss = tau^2 * KL(p_t || softmax(z_s / tau))``, averaged over the batch,
where ``p_t`` is the teacher's ``softmax(z_t / tau)`` rebuilt from its k
largest logits:

- ``tail='uniform'`` (default, FKD's "marginal smoothing"): the top-k
  classes keep their exact probabilities, ``(1 - r) * softmax(top-k / tau)``
  with ``r`` the stored mass outside them, and ``r`` is spread evenly over
  the other ``C - k`` classes. The total is 1 and the top k are exact; with
  ``k = C`` this is KDLoss. Needs the cache's ``tau`` to be the loss's.
- ``tail='renormalize'`` (FKD's "marginal renorm"): ``softmax(top-k /
  tau)`` over the top k, nothing elsewhere (any ``tau``).
"""
from types import MappingProxyType
from typing import Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, upcast

TensorOrList = Union[torch.Tensor, Sequence[Union[torch.Tensor, np.ndarray]]]
TAILS = ('uniform', 'renormalize')


def _batch(value: TensorOrList, name: str) -> torch.Tensor:
    """Stack the per-sample arrays (numpy, from the replay step) or tensors
    the distiller passes."""
    if isinstance(value, torch.Tensor):
        return value
    if not isinstance(value, (list, tuple)) or not value:
        raise TypeError(f'CachedKDLoss: {name} must be a tensor or a '
                        f'non-empty list of per-sample arrays or tensors.')
    if all(isinstance(v, np.ndarray) for v in value):
        return torch.from_numpy(np.stack(value))
    return torch.stack([torch.as_tensor(v) for v in value])


@MODELS.register_module()
class CachedKDLoss(BaseDistillLoss):
    """KD loss against a teacher soft label read from the teacher output
    cache (``TeacherCacheReplay`` puts it into the data samples).

    It takes the student's logits as ``student``; the teacher's top-k
    logits, their classes, the mass outside them and the cache's ``tau``
    come from the batch's data samples (``teacher_topk_logits``,
    ``teacher_topk_classes``, ``teacher_tail_mass``,
    ``teacher_cache_tau``).

    Args:
        tau (float): Temperature. Defaults to 4.0.
        tail (str): How the classes outside the top k get probability:
            ``'uniform'`` (the stored remainder spread evenly; needs the
            cache built at this ``tau``) or ``'renormalize'`` (none; the
            top k renormalised). Defaults to ``'uniform'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    pairing = Pairing(
        'the student\'s logits with the teacher output cache (no teacher '
        'layer; configs/kd/cached_kd)', (), 'same')

    data_sample_inputs = MappingProxyType(
        dict(
            teacher='teacher_topk_logits',
            teacher_classes='teacher_topk_classes',
            teacher_tail_mass='teacher_tail_mass',
            teacher_tau='teacher_cache_tau'))

    def __init__(self,
                 tau: float = 4.0,
                 tail: str = 'uniform',
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if isinstance(tau, bool) or not isinstance(tau, (int, float)) \
                or not tau > 0:
            raise ValueError(f'CachedKDLoss: tau must be a number > 0, got '
                             f'{tau!r}.')
        if tail not in TAILS:
            raise ValueError(f'CachedKDLoss: tail must be one of {TAILS}, '
                             f'got {tail!r}.')
        self.tau = float(tau)
        self.tail = tail

    def _check_tau(self, teacher_tau) -> None:
        if self.tail != 'uniform' or teacher_tau is None:
            return
        taus = teacher_tau if isinstance(teacher_tau,
                                         (list, tuple)) else [teacher_tau]
        wrong = sorted({
            float(t)
            for t in taus if abs(float(t) - self.tau) > 1e-6 * self.tau
        })
        if wrong:
            raise ValueError(
                f'CachedKDLoss: the cache stores the mass outside the top k '
                f'at tau={wrong[0]:g}, the loss uses tau={self.tau:g}. '
                f'Rebuild the cache with --tau {self.tau:g}, or use '
                "tail='renormalize' (which needs no stored mass).")

    def forward(
        self,
        student: torch.Tensor,
        teacher: TensorOrList,
        teacher_classes: TensorOrList,
        teacher_tail_mass: TensorOrList,
        teacher_tau: Optional[Union[float, Sequence[float]]] = None
    ) -> torch.Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student logits, ``(N, C)``.
            teacher (Tensor | list[Tensor]): Teacher top-k logits, ``(N, k)``
                or one ``(k, )`` tensor per sample.
            teacher_classes (Tensor | list[Tensor]): Their classes, same
                shape.
            teacher_tail_mass (Tensor | list[Tensor]): ``(N, )`` or one
                ``(1, )`` tensor per sample: ``softmax(z_t / tau)`` outside
                the top k.
            teacher_tau (float | list[float], optional): The ``tau`` the
                tail mass was computed at; checked for ``tail='uniform'``.

        Returns:
            Tensor: The weighted scalar loss.
        """
        self._check_tau(teacher_tau)
        student = upcast(student)
        device, dtype = student.device, student.dtype
        values = _batch(teacher, 'teacher').to(device, dtype).detach()
        classes = _batch(teacher_classes,
                         'teacher_classes').to(device, torch.long)
        tail = _batch(teacher_tail_mass,
                      'teacher_tail_mass').to(device, dtype).reshape(-1)
        num, num_classes = student.shape
        if values.shape != classes.shape or values.dim() != 2 or \
                values.shape[0] != num or values.shape[1] > num_classes or \
                tail.shape[0] != num:
            raise ValueError(
                f'CachedKDLoss: student logits {tuple(student.shape)}, '
                f'teacher top-k logits {tuple(values.shape)}, classes '
                f'{tuple(classes.shape)} and tail mass {tuple(tail.shape)} '
                'do not fit together (expected (N, C), (N, k), (N, k), (N,) '
                'with k <= C).')
        topk = values.shape[1]
        log_q = F.log_softmax(student / self.tau, dim=1)
        log_q_top = log_q.gather(1, classes)
        log_p_top = F.log_softmax(values / self.tau, dim=1)
        if self.tail == 'uniform':
            log_p_top = log_p_top + torch.log1p(-tail).unsqueeze(1)
        kl = (log_p_top.exp() * (log_p_top - log_q_top)).sum(1)
        if self.tail == 'uniform' and topk < num_classes:
            # r / (C - k) on each other class: sum p (log p - log q) there
            each = tail / (num_classes - topk)
            rest_log_q = log_q.sum(1) - log_q_top.sum(1)
            kl = kl + torch.special.xlogy(tail, each) - each * rest_log_q
        return self.loss_weight * kl.mean() * self.tau**2
