"""The contract every distill loss follows.

A distill loss is a registered ``nn.Module`` whose ``forward`` takes the
student's and the teacher's inputs first (a tensor, or a sequence of tensors
for multi-level or multi-input methods), then optional extras, and returns a
scalar tensor that already includes its ``loss_weight``. Deriving from
:class:`BaseDistillLoss` gives that weight, the declarations the distiller
reads, level pairing and the dtype policy in one place.
"""
import math
import numbers
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

Levels = Union[torch.Tensor, Sequence[torch.Tensor]]


def upcast(tensor: torch.Tensor) -> torch.Tensor:
    """The dtype a loss computes in: float16/bfloat16 become float32,
    float32 and float64 stay as they are (never downcast)."""
    if tensor.is_floating_point() and tensor.dtype not in (torch.float32,
                                                           torch.float64):
        return tensor.float()
    return tensor


def upcast_all(*tensors: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """:func:`upcast` each tensor, then bring them all to the widest of the
    results, so that e.g. a float64 student and a float16 teacher are
    compared in float64."""
    tensors = tuple(upcast(t) for t in tensors)
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return tuple(t.to(dtype) for t in tensors)


_INTERVAL = re.compile(r'^([\[(])\s*(\S+)\s*,\s*(\S+)\s*([\])])$')


def check_number(owner: str,
                 name: str,
                 value: Any,
                 interval: str = '(0, inf)',
                 integer: bool = False) -> Union[float, int]:
    """``value`` of the hyper-parameter ``name`` of ``owner``, checked.

    Args:
        owner (str): The loss (or connector), for the message.
        name (str): The argument, for the message.
        value: What the config gave.
        interval (str): Allowed range, e.g. ``'(0, inf)'`` (positive),
            ``'[0, inf)'`` (non-negative) or ``'[0, 1)'``. Defaults to
            ``'(0, inf)'``.
        integer (bool): Whether the value must be an integer.
            Defaults to False.

    Returns:
        float | int: The value, as a float (an int when ``integer``).

    Raises:
        TypeError: Not a (real, non-boolean) number, or not an integer when
            one is needed; the message names ``owner`` and ``name``.
        ValueError: Outside ``interval`` or not finite.
    """
    bracket_low, low, high, bracket_high = _INTERVAL.match(interval).groups()
    kind = 'an integer' if integer else 'a number'
    if high == 'inf':
        wanted = f'{kind} {">" if bracket_low == "(" else ">="} {low}'
    else:
        wanted = f'{kind} in {interval}'
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
            integer and not float(value).is_integer()):
        raise TypeError(f'{owner}: {name} must be {wanted}, got {value!r} '
                        f'({type(value).__name__}).')
    low, high = float(low), float(high)
    inside = (low <= value if bracket_low == '[' else low < value) and (
        value <= high if bracket_high == ']' else value < high)
    if not math.isfinite(value) or not inside:
        raise ValueError(f'{owner}: {name} must be {wanted}, got {value!r}.')
    return int(value) if integer else float(value)


def renamed_arg(loss: str, name: str, value: Any, old_name: str,
                old_value: Any, default: Any) -> Any:
    """``value`` of argument ``name``, also accepted under its older
    spelling ``old_name`` (e.g. the seed toolkit's ``T`` for ``tau``)."""
    if old_value is not None:
        if value is not None and value != old_value:
            raise ValueError(f'{loss}: {name}={value} and {old_name}='
                             f'{old_value} name the same argument; give one.')
        return old_value
    return default if value is None else value


def tau_arg(loss: str,
            tau: Optional[float],
            default: float,
            old_name: Optional[str] = None,
            old_value: Optional[float] = None) -> float:
    """A loss's temperature ``tau`` (a positive number), also accepted under
    an older spelling (``T``, ``temperature``, ``nce_t``); errors name the
    spelling the config used."""
    value = renamed_arg(loss, 'tau', tau, old_name, old_value, default)
    given = old_name if old_value is not None else 'tau'
    return check_number(loss, given, value)


def pair_levels(loss_name: str, student: Levels,
                teacher: Levels) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """Pair the student and teacher inputs level by level.

    A tensor is a single level; a list or tuple holds one tensor per level
    (e.g. the outputs of an FPN neck).

    Args:
        loss_name (str): Name of the loss, for the messages.
        student (Tensor | Sequence[Tensor]): Student input(s).
        teacher (Tensor | Sequence[Tensor]): Teacher input(s).

    Returns:
        list[tuple[Tensor, Tensor]]: ``(student, teacher)`` per level.
    """
    levels = []
    for side, inputs in (('student', student), ('teacher', teacher)):
        if isinstance(inputs, torch.Tensor):
            inputs = [inputs]
        if not isinstance(inputs, (list, tuple)) or not inputs or \
                not all(isinstance(x, torch.Tensor) for x in inputs):
            raise TypeError(
                f'{loss_name}: the {side} input must be a tensor or a '
                'non-empty list/tuple of tensors (one per level), got '
                f'{type(inputs).__name__}.')
        levels.append(list(inputs))
    if len(levels[0]) != len(levels[1]):
        raise ValueError(f'{loss_name}: the student has {len(levels[0])} '
                         f'levels, the teacher {len(levels[1])}.')
    return list(zip(*levels))


PAIR_WITH = ('stages', 'levels', 'logits', 'dense_logits', 'embedding')
FIXES = ('same', 'shape', 'size', 'none', 'mgd')


@dataclass(frozen=True)
class Pairing:
    """What a distill loss compares, declared on its class as ``pairing``.

    The layer finder (``tools/analysis_tools/distill_layers.py``) reads it
    to suggest layer pairs and connectors; the compact config form reads
    the channel arguments to fill them from ``student_channels`` /
    ``teacher_channels``.

    Attributes:
        kind (str): What it compares, one line for the user.
        pair_with (tuple[str]): The tensors it pairs, any of ``'stages'``
            (a backbone's stage outputs), ``'levels'`` (multi-level
            outputs, e.g. an FPN neck), ``'logits'``, ``'dense_logits'``
            (4-D logits of a segmentor) and ``'embedding'`` (the pooled
            vector before the logits). Empty: layers chosen by hand (the
            layer finder suggests none).
        fix (str): How a shape difference is bridged: ``'same'`` (no
            connector helps: shapes must match), ``'shape'`` (any
            connector), ``'size'`` (the loss takes other channel counts; a
            ``ResizeConnector`` for other sizes), ``'none'`` (any shapes)
            or ``'mgd'`` (``MGDConnector`` always).
        student_channels (tuple[str]): ``__init__`` arguments that take
            the channel count of the student's layer (its width for a
            vector). Defaults to ().
        teacher_channels (tuple[str]): ``__init__`` arguments that take
            the teacher's. Defaults to ().
    """
    kind: str
    pair_with: Tuple[str, ...]
    fix: str
    student_channels: Tuple[str, ...] = ()
    teacher_channels: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.pair_with) - set(PAIR_WITH)
        if unknown or self.fix not in FIXES:
            raise ValueError(
                f'Pairing: pair_with takes {PAIR_WITH} (got '
                f'{self.pair_with}), fix one of {FIXES} (got {self.fix!r}).')


LOGITS = Pairing('logits with logits; shapes must match', ('logits', ), 'same')
FEATURE_MAPS = Pairing(
    'feature maps of the same shape (a connector adapts them)',
    ('stages', 'levels', 'dense_logits'), 'shape')
SAME_SIZE_MAPS = Pairing(
    'feature maps of the same size; channel counts may differ',
    ('stages', 'levels'), 'size')
EMBEDDINGS = Pairing('per-sample embeddings of any size', ('embedding', ),
                     'none')


def declared_pairing(loss: Any) -> Optional[Pairing]:
    """The :class:`Pairing` a loss class (or instance) declares, or None."""
    pairing = getattr(loss, 'pairing', None)
    return pairing if isinstance(pairing, Pairing) else None


class BaseDistillLoss(nn.Module):
    """Base class of mmkd's distill losses.

    Class attributes a loss may set:

    - ``data_sample_inputs``: ground truth it takes from the batch, as
      ``{forward argument: data sample field}``, e.g.
      ``MappingProxyType(dict(gt_labels='gt_label'))`` (read-only: a class
      attribute is shared by every instance). The distiller passes the
      argument as a list with one entry per sample (e.g. ``(1,)`` label
      tensors); plain loops pass
      ``Distiller.forward(data, targets=..., indices=...)``.
    - ``allows_negative_weight``: whether a negative ``loss_weight`` makes
      sense (default False: the distiller refuses it).
    - ``pairing``: what it compares (:class:`Pairing`), for the layer
      finder and the compact form's channel filling. Every mmkd loss sets
      it; a custom loss should.

    Dtype policy: inputs are computed in :func:`upcast` of their dtype
    (half precision in float32, float64 kept); a loss with learned parts
    computes in its parameters' dtype (:meth:`upcast_to_parameters`).

    Args:
        loss_weight (float): The loss's one weight (the compact config
            form's ``weights[i]`` sets it). Defaults to 1.0.
    """

    data_sample_inputs: Mapping[str, str] = MappingProxyType({})
    allows_negative_weight = False
    pairing: Optional[Pairing] = None

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(loss_weight,
                      bool) or not isinstance(loss_weight, numbers.Real):
            raise TypeError(f'{name}: loss_weight must be a number, got '
                            f'{loss_weight!r}.')
        if not math.isfinite(loss_weight):
            raise ValueError(f'{name}: loss_weight must be finite, got '
                             f'{loss_weight}.')
        self.loss_weight = float(loss_weight)

    def init_from_models(self, student: Optional[nn.Module],
                         teacher: Optional[nn.Module]) -> None:
        """Derive something from the networks, once, after the teacher's
        checkpoint is loaded (e.g. OFD's margins from the teacher's BN
        statistics). Does nothing by default."""

    def levels(self, student: Levels,
               teacher: Levels) -> List[Tuple[torch.Tensor, torch.Tensor]]:
        """``(student, teacher)`` pairs, one per level: a tensor is one
        level, a list/tuple (e.g. FPN outputs) one per entry; a mismatch in
        count or type names the loss."""
        return pair_levels(type(self).__name__, student, teacher)

    def upcast_to_parameters(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` in the dtype this loss's learned parts compute in.

        Half-precision inputs of a float32 loss become float32 (as
        :func:`upcast`); a float64 input needs a float64 loss (e.g. the
        model converted with ``.double()``): it is never silently rounded
        to float32.
        """
        tensor = upcast(tensor)
        param = next(self.parameters(), None)
        if param is None or tensor.dtype == param.dtype:
            return tensor
        if torch.promote_types(tensor.dtype, param.dtype) != param.dtype:
            raise TypeError(
                f'{type(self).__name__}: got {tensor.dtype} inputs but its '
                f'parameters are {param.dtype}; convert the loss too (e.g. '
                '.double() on the model that holds it) rather than rounding '
                'the inputs.')
        return tensor.to(param.dtype)
