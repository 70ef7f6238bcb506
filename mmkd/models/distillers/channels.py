"""The compact form's channel filling: the channel counts of the paired
layers (``student_channels`` / ``teacher_channels``) go to the arguments
each loss declares (``pairing``, see
:class:`mmkd.models.losses.base.Pairing`) and to the connectors'
``in_channels`` / ``out_channels``, wherever the config leaves them out."""
import copy
from typing import Any, List, Optional, Sequence

from mmkd.registry import MODELS
from ..losses.base import declared_pairing
from .loss_signature import accepts_init_arg, loss_class


def check_channels(key: str, channels: Optional[Sequence[int]],
                   n_layers: int) -> None:
    """``channels`` is None or one positive integer per layer pair."""
    if channels is None:
        return
    if not isinstance(channels, (list, tuple)) or len(channels) != n_layers:
        raise ValueError(f'{key} must be a list with one channel count per '
                         f'layer pair ({n_layers}), got {channels!r}.')
    for i, value in enumerate(channels):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise TypeError(f'{key}[{i}] must be a positive integer, got '
                            f'{value!r}.')


class ChannelFiller:
    """Fills loss and connector configs from the paired layers' channels,
    and remembers whether anything took them (channels that nothing takes
    are an error: an ignored option)."""

    def __init__(self,
                 student_channels: Optional[Sequence[int]],
                 teacher_channels: Optional[Sequence[int]],
                 require_use: bool = True) -> None:
        self.channels = dict(
            student=student_channels, teacher=teacher_channels)
        self.used = dict(student=False, teacher=False)
        self.require_use = require_use

    def _value(self, side: str, layers: Optional[int]):
        """The channels of ``side``'s layer ``layers`` (an index), or all
        of them (None: a loss that takes every layer)."""
        channels = self.channels[side]
        self.used[side] = True
        return list(channels) if layers is None else channels[layers]

    def loss(self, name: str, cfg: dict, layer: Optional[int]) -> dict:
        """``cfg`` with the channel arguments its class declares filled
        from layer pair ``layer`` (None: the lists of all pairs)."""
        pairing = declared_pairing(loss_class(name, cfg))
        if pairing is None:
            return cfg
        cfg = copy.deepcopy(cfg)
        for side, args in (('student', pairing.student_channels),
                           ('teacher', pairing.teacher_channels)):
            for arg in args:
                if self.channels[side] is not None and arg not in cfg:
                    cfg[arg] = self._value(side, layer)
        return cfg

    def connector(self, key: str, cfg: dict, layer: int, side: str) -> dict:
        """A connector on ``side``'s layer ``layer``: ``in_channels`` from
        that side, and for a student connector (which maps the student's
        tensor to the teacher's) ``out_channels`` from the teacher."""
        if not isinstance(cfg, dict):
            return cfg
        cls = MODELS.get(cfg.get('type')) if isinstance(
            cfg.get('type'), str) else cfg.get('type')
        if cls is None:
            raise KeyError(f'{key}: unknown connector type '
                           f'{cfg.get("type")!r}.')
        cfg = copy.deepcopy(cfg)
        wanted = [('in_channels', side)]
        if side == 'student':
            wanted.append(('out_channels', 'teacher'))
        for arg, source in wanted:
            if self.channels[source] is not None and arg not in cfg and \
                    accepts_init_arg(cls, arg):
                cfg[arg] = self._value(source, layer)
        return cfg

    def check_used(self) -> None:
        if not self.require_use:
            return
        unused = [
            f'{side}_channels' for side in ('student', 'teacher')
            if self.channels[side] is not None and not self.used[side]
        ]
        if unused:
            raise ValueError(
                f'{" and ".join(unused)} given, but no loss or connector '
                'takes them: a loss takes the channel arguments its class '
                'declares (pairing = Pairing(..., student_channels=(...), '
                'teacher_channels=(...))), a connector in_channels / '
                'out_channels, where the config leaves them out.')


def broadcast(key: str, value, count: int) -> List:
    """A list as given, or one copy of a single config per entry."""
    if isinstance(value, dict):
        digits = sorted(k for k in value if str(k).isdigit())
        if digits:  # e.g. --cfg-options model.distiller.loss.0.tau=2
            raise ValueError(
                f'{key} is one config for every layer pair here, and it '
                f'got the key {digits[0]!r}, as if it were a list (an '
                f'override such as {key}.{digits[0]}.<arg>=...?): set '
                f'{key}.<arg>=... to change every pair, or give {key} as '
                'a list.')
        return [copy.deepcopy(value) for _ in range(count)]
    return value


def from_layer_pairs(layer_pairs: Sequence[Any]) -> dict:
    """``layer_pairs`` as the compact form's parallel lists.

    Each entry is ``dict(student=LAYER, teacher=LAYER)`` (a layer as in
    ``student_distill_layer``: a module name or a recorder config), with
    its channel count as ``channels`` (both sides) or ``student_channels``
    / ``teacher_channels``; a plain name is the same layer on both sides.
    """
    if not isinstance(layer_pairs, (list, tuple)) or not layer_pairs:
        raise ValueError('layer_pairs must be a non-empty list of '
                         "dict(student=..., teacher=..., channels=...), got "
                         f'{layer_pairs!r}.')
    out = dict(
        student_distill_layer=[],
        teacher_distill_layer=[],
        student_channels=[],
        teacher_channels=[])
    allowed = {
        'student', 'teacher', 'channels', 'student_channels',
        'teacher_channels'
    }
    for i, pair in enumerate(layer_pairs):
        if isinstance(pair, str):
            pair = dict(student=pair, teacher=pair)
        keys = set(pair) if isinstance(pair, dict) else set()
        if not {'student', 'teacher'} <= keys or keys - allowed or (
                'channels' in keys
                and keys & {'student_channels', 'teacher_channels'}):
            raise ValueError(
                f'layer_pairs[{i}] must be dict(student=LAYER, '
                'teacher=LAYER) with channels=N or student_channels=N, '
                f'teacher_channels=N (or none), got {pair!r}.')
        out['student_distill_layer'].append(pair['student'])
        out['teacher_distill_layer'].append(pair['teacher'])
        for side in ('student', 'teacher'):
            out[f'{side}_channels'].append(
                pair.get(f'{side}_channels', pair.get('channels')))
    for side in ('student', 'teacher'):
        given = [c is not None for c in out[f'{side}_channels']]
        if not any(given):
            out[f'{side}_channels'] = None
        elif not all(given):
            raise ValueError(f'layer_pairs: give the {side} channels of '
                             'every pair or of none.')
    return out
