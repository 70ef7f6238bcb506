"""Gathering a loss's arguments from the step's records."""
from typing import Any, Mapping, Optional, Union

import torch
import torch.nn as nn

from ..recorders import RecorderManager

ArgSpec = Union[dict, list]


def _recorders(spec: dict, student: RecorderManager,
               teacher: RecorderManager) -> RecorderManager:
    return student if spec['from_student'] else teacher


def describe_input(spec: ArgSpec, value: Any, student: RecorderManager,
                   teacher: RecorderManager) -> str:
    """'student 'layer2' (2, 32, 16, 16)' for error messages."""
    if isinstance(spec, list):
        return ' + '.join(
            describe_input(s, v, student, teacher)
            for s, v in zip(spec, value))
    shape = f' {tuple(value.shape)}' if isinstance(value, torch.Tensor) else ''
    if 'data_samples' in spec:
        return f'data_samples.{spec["data_samples"]}{shape}'
    side = 'student' if spec['from_student'] else 'teacher'
    source = _recorders(spec, student, teacher)[spec['recorder']].source
    return f'{side} {source!r}{shape}'


def _gather(spec: dict, data_samples: Optional[list], student: RecorderManager,
            teacher: RecorderManager) -> Any:
    if 'data_samples' in spec:
        field = spec['data_samples']
        if data_samples is None:
            raise ValueError(
                f'A distill loss needs data_samples.{field} but the batch '
                'has no data samples (with the plain PyTorch Distiller, pass '
                'targets=/indices= to its forward).')
        missing = [
            i for i, s in enumerate(data_samples) if not hasattr(s, field)
        ]
        if missing:
            raise ValueError(
                f'A distill loss needs data_samples.{field}, which data '
                f'samples {missing} of the batch do not have (is the ground '
                'truth loaded by the pipeline?).')
        return [getattr(s, field) for s in data_samples]
    return _recorders(spec, student, teacher)[spec['recorder']] \
        .get_record_data(spec.get('record_idx', 0), spec.get('data_idx'))


def loss_inputs(mapping: Mapping[str, ArgSpec], data_samples: Optional[list],
                student: RecorderManager, teacher: RecorderManager,
                connectors: Mapping[str, nn.Module]) -> dict:
    """The keyword arguments of one loss: records (through their
    connectors) and ground truth."""
    raw = {
        arg: ([_gather(s, data_samples, student, teacher)
               for s in spec] if isinstance(spec, list) else _gather(
                   spec, data_samples, student, teacher))
        for arg, spec in mapping.items()
    }
    # a connector may size the student feature after the teacher's
    teacher_args = [
        arg for arg, spec in mapping.items()
        if isinstance(spec, dict) and spec.get('from_student') is False
    ]
    reference = raw[teacher_args[0]] if len(teacher_args) == 1 else None
    if not isinstance(reference, torch.Tensor):
        reference = None
    kwargs = {}
    for arg, spec in mapping.items():
        specs = spec if isinstance(spec, list) else [spec]
        values = raw[arg] if isinstance(spec, list) else [raw[arg]]
        ref = None if isinstance(spec, list) else reference
        connected = [
            connectors[s['connector']](v, ref)
            if s.get('connector') is not None else v
            for s, v in zip(specs, values)
        ]
        kwargs[arg] = connected if isinstance(spec, list) else connected[0]
    return kwargs
