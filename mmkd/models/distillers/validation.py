"""Checks of an explicit distiller configuration, made at build time.

Nothing here changes what it checks; :func:`with_declared_ground_truth`
returns a new mapping.
"""
import inspect
import math
import numbers
import re
from typing import Any, Dict, Mapping

import torch.nn as nn

from ..recorders import RecorderManager
from .loss_signature import declared_ground_truth, forward_params


def with_declared_ground_truth(loss: nn.Module, mapping: Mapping) -> dict:
    """``mapping`` plus the ground truth ``loss`` declares it takes from
    the batch (``data_sample_inputs = dict(gt_labels='gt_label')``), unless
    the mapping gives that argument itself."""
    full = dict(mapping)
    for arg, field in declared_ground_truth(loss).items():
        full.setdefault(arg, dict(data_samples=field))
    return full


def check_loss_weight(name: str, loss: nn.Module) -> None:
    """A loss weight must be a finite number, and not negative unless the
    loss says negative weights make sense (``allows_negative_weight``)."""
    weight = getattr(loss, 'loss_weight', 1.0)
    where = f'distill_losses.{name}.loss_weight'
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
        raise TypeError(f'{where} must be a number, got {weight!r}.')
    if not math.isfinite(weight):
        raise ValueError(f'{where} is {weight}; loss weights must be finite.')
    if weight < 0 and not getattr(loss, 'allows_negative_weight', False):
        raise ValueError(
            f'{where} is {weight}: a negative weight makes training '
            f'maximise {type(loss).__name__}. Use a weight >= 0.')


def _check_spec(where: str, spec: Any, student: RecorderManager,
                teacher: RecorderManager, connectors: Mapping) -> None:
    if not isinstance(spec, dict):
        raise TypeError(f'{where} must be a dict (or a list of dicts), '
                        f'got {spec!r}.')
    if 'data_samples' in spec:
        return
    if 'recorder' not in spec or 'from_student' not in spec:
        raise KeyError(f'{where} needs "recorder" and "from_student" '
                       f'(or "data_samples"), got {spec!r}.')
    side = 'student' if spec['from_student'] else 'teacher'
    recorders = student if spec['from_student'] else teacher
    if spec['recorder'] not in recorders:
        raise KeyError(
            f'{where}: no {side} recorder named {spec["recorder"]!r}; '
            f'{side}_recorders has {sorted(recorders)}.')
    for key in ('record_idx', 'data_idx'):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, int) or
                                  (key == 'record_idx' and value < 0)):
            raise TypeError(f'{where}.{key} must be an integer'
                            f'{" >= 0" if key == "record_idx" else ""}, '
                            f'got {value!r}.')
    connector = spec.get('connector')
    if connector is not None and connector not in connectors:
        raise KeyError(f'{where}: no connector named {connector!r}; '
                       f'connectors has {sorted(connectors)}.')


def check_connector(name: str, connector: nn.Module) -> None:
    """A connector is called as ``connector(feature, reference)``: its
    ``forward`` must take both (``reference`` is the teacher tensor the
    result is compared with, or None)."""
    if not callable(connector):
        raise TypeError(f'Connector {name!r} must be a module, got '
                        f'{type(connector).__name__}.')
    forward = getattr(connector, 'forward', connector)
    try:
        signature = inspect.signature(forward)
    except (TypeError, ValueError):
        return  # no signature to read (a builtin): the first step will say
    try:
        signature.bind(None, None)
    except TypeError:
        cls = type(connector).__name__
        index = re.fullmatch(r'connector_(\d+)', name)
        where = f'connectors[{index.group(1)}], ' if index else ''
        raise TypeError(
            f'Connector {name!r} ({where}{cls}) has forward{signature}, but '
            'connectors are called as connector(feature, reference), '
            'reference being the teacher tensor the result is compared with '
            '(or None). Derive it from mmkd.models.connectors.BaseConnector '
            'and implement forward_connect(feature, reference), or give its '
            'forward a second argument (reference=None); see "A connector" '
            'in docs/distillation.md.') from None


def check_distiller(losses: Mapping[str,
                                    nn.Module], mappings: Mapping[str,
                                                                  Mapping],
                    student: RecorderManager, teacher: RecorderManager,
                    connectors: Mapping[str, nn.Module]) -> None:
    """Every loss has a mapping that gives its required arguments from
    existing recorders and connectors, and a valid weight.

    Args:
        losses: Built losses by name.
        mappings: Per loss, its arguments (with declared ground truth).
        student: The student's recorders.
        teacher: The teacher's recorders.
        connectors: Built connectors by name.
    """
    for name, connector in connectors.items():
        check_connector(name, connector)
    names, mapped = set(losses), set(mappings)
    if mapped - names:
        raise KeyError(
            f'loss_forward_mappings has entries for {sorted(mapped - names)}, '
            f'which are not in distill_losses ({sorted(names)}).')
    if names - mapped:
        raise KeyError(
            f'distill_losses {sorted(names - mapped)} have no entry in '
            'loss_forward_mappings; say which recorded tensors they take.')
    for name, mapping in mappings.items():
        loss = losses[name]
        check_loss_weight(name, loss)
        params, required, var_kw = forward_params(loss)
        for arg, spec in mapping.items():
            if arg not in params and not var_kw:
                raise KeyError(
                    f'loss_forward_mappings.{name}.{arg}: '
                    f'{type(loss).__name__}.forward has no argument {arg!r}; '
                    f'it takes {params}.')
            for one in (spec if isinstance(spec, list) else [spec]):
                _check_spec(f'loss_forward_mappings.{name}.{arg}', one,
                            student, teacher, connectors)
        missing = [p for p in required if p not in mapping]
        if missing:
            raise KeyError(
                f'loss_forward_mappings.{name} does not give the required '
                f'argument(s) {missing} of {type(loss).__name__}.forward.')


def teacher_record_needs(mappings: Mapping[str, Mapping]) -> Dict[str, int]:
    """How many records each teacher recorder must hold after the teacher
    ran: one more than the largest ``record_idx`` the losses read."""
    needs: Dict[str, int] = {}
    for mapping in mappings.values():
        for spec in mapping.values():
            for one in (spec if isinstance(spec, list) else [spec]):
                if one.get('from_student') is False:
                    count = one.get('record_idx', 0) + 1
                    needs[one['recorder']] = max(
                        needs.get(one['recorder'], 0), count)
    return needs
