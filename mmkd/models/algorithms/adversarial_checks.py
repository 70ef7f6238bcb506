"""Checks and helpers of :class:`AdversarialDataFreeDistill`."""
from contextlib import contextmanager

import torch.nn as nn


@contextmanager
def no_weight_gradients(module: nn.Module):
    """Inside the block, ``module``'s parameters take no gradient (the
    gradient still flows through it to its input)."""
    params = [p for p in module.parameters() if p.requires_grad]
    for param in params:
        param.requires_grad_(False)
    try:
        yield
    finally:
        for param in params:
            param.requires_grad_(True)


def _positive_int(key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'{key} must be a positive int, got {value!r}.')
    return value


def check_distillers(distiller: nn.Module, generator_distiller: nn.Module,
                     student: nn.Module, teacher: nn.Module,
                     algorithm: str) -> None:
    """Refuse what would silently not train: a generator distiller with no
    loss or one that detaches the teacher, loss names MMEngine does not
    optimise, learnable distiller parts (no optimizer steps them); then
    prepare both distillers on ``student`` and ``teacher``."""
    parts = dict(distiller=distiller, generator_distiller=generator_distiller)
    losses = generator_distiller.distill_losses
    if not losses:
        raise ValueError('generator_distiller has no loss: the generator '
                         'would have nothing to maximise.')
    for name, loss in losses.items():
        if not getattr(loss, 'keeps_teacher_gradient', False):
            raise ValueError(
                f'generator_distiller loss {name!r} '
                f'({type(loss).__name__}) detaches the teacher\'s side, '
                'so the generator would learn through the student only; '
                'use a discrepancy that keeps both gradients '
                '(L1Discrepancy, KLDiscrepancy).')
    for key in ('distiller', 'generator_distiller'):
        learned = [
            n for n, p in parts[key].named_parameters() if p.requires_grad
        ]
        unnamed = [n for n in parts[key].distill_losses if 'loss' not in n]
        if unnamed:  # MMEngine's parse_losses sums only '*loss*' keys
            raise ValueError(f'{key} loss {unnamed[0]!r}: its name must '
                             "contain 'loss' to be optimised.")
        if learned:
            raise ValueError(
                f'{key} has learnable parameters ({learned[0]}, ...): '
                f'{algorithm} steps only the generator and '
                'the student; use losses without connectors or learned '
                'parts.')
        parts[key].prepare(student, teacher)
