"""The pairs a config distills: its recorders and losses, resolved on
the built networks."""
import copy
import inspect
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from mmkd.models.distillers.loss_signature import (declared_ground_truth,
                                                   loss_class)
from mmkd.models.losses import Pairing, declared_pairing
from mmkd.models.recorders import RecorderManager
from mmkd.registry import MODELS
from .suggest import _connector, format_cfg


@dataclass
class Endpoint:
    """One recorded tensor a loss reads."""
    side: str  # 'student' or 'teacher'
    recorder: str
    source: str
    recorder_type: str
    module: Optional[str]  # the module it hooks, if any
    record_idx: int = 0
    data_idx: Optional[int] = None
    connector: Optional[str] = None
    shape: Any = None  # what the recorder gave (a shape, or a list)
    connected: Any = None  # after the connector
    problem: Optional[str] = None


@dataclass
class LossEdge:
    """One distill loss and what it reads."""
    name: str
    type_name: str
    weight: Any
    students: List[Endpoint] = field(default_factory=list)
    teachers: List[Endpoint] = field(default_factory=list)
    others: List[str] = field(default_factory=list)
    note: str = ''
    pairing: Optional[Pairing] = None  # what the loss class declares


def _shape_of(value):
    import torch
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, (list, tuple)):
        return [_shape_of(v) for v in value]
    return type(value).__name__


def _module_of(cfg: dict) -> Optional[str]:
    kind = cfg.get('type', 'ModuleOutputs')
    source = cfg.get('source', '')
    if kind in ('ModuleOutputs', 'ModuleInputs'):
        return source
    if kind == 'MethodOutputs' and '.' in source:
        return source.rsplit('.', 1)[0]
    return None


class DistillRecorders:
    """The config's recorders, attached one by one (so that one unknown
    layer name is reported without hiding the others) and torn down
    afterwards."""

    def __init__(self, explicit: dict, student, teacher) -> None:
        from mmengine.registry import DefaultScope

        self.managers: Dict[Tuple[str, str], Any] = {}
        self.cfgs: Dict[Tuple[str, str], dict] = {}
        self.problems: Dict[Tuple[str, str], str] = {}
        for side, model in (('student', student), ('teacher', teacher)):
            for name, cfg in explicit[f'{side}_recorders'].items():
                cfg = dict(cfg)
                self.cfgs[side, name] = cfg
                try:
                    with DefaultScope.overwrite_default_scope('mmkd'):
                        manager = RecorderManager({name: cfg})
                    manager.initialize(model, side)
                except Exception as err:  # reported, the others still run
                    self.problems[side, name] = str(err).strip('"\'')
                    continue
                self.managers[side, name] = manager

    def module_names(self, side: str, kind: str) -> List[str]:
        return [
            cfg['source'] for (s, _), cfg in self.cfgs.items()
            if s == side and cfg.get('type', 'ModuleOutputs') == kind
        ]

    def recording(self, side: str) -> ExitStack:
        stack = ExitStack()
        for (s, _), manager in self.managers.items():
            if s == side:
                stack.enter_context(manager.recording())
        return stack

    def teardown(self) -> None:
        for manager in self.managers.values():
            manager.teardown()


def _endpoint(spec: dict, recorders: DistillRecorders) -> Endpoint:
    side = 'student' if spec.get('from_student') else 'teacher'
    name = spec.get('recorder')
    cfg = recorders.cfgs.get((side, name), {})
    point = Endpoint(side, name, cfg.get('source', '?'),
                     cfg.get('type', 'ModuleOutputs'),
                     _module_of(cfg) if cfg else None,
                     spec.get('record_idx', 0), spec.get('data_idx'),
                     spec.get('connector'))
    if (side, name) in recorders.problems:
        point.problem = 'see "Problems with the distilled layers" above'
    elif (side, name) not in recorders.managers:
        point.problem = f'no {side} recorder named {name!r}'
    return point


def loss_edges(explicit: dict, recorders: DistillRecorders) -> List[LossEdge]:
    """Each loss with the tensors it reads, their shapes and what its
    connectors make of them."""
    import torch
    from mmengine.registry import DefaultScope
    edges = []
    for name, loss_cfg in explicit['distill_losses'].items():
        try:
            cls = loss_class(name, loss_cfg)
            type_name, pairing = cls.__name__, declared_pairing(cls)
            declared = declared_ground_truth(cls)
            default = inspect.signature(
                cls.__init__).parameters.get('loss_weight')
            weight = loss_cfg.get(
                'loss_weight', default.default if default is not None
                and default.default is not inspect.Parameter.empty else None)
        except (KeyError, TypeError, ValueError):
            type_name, weight = str(
                loss_cfg.get('type')), loss_cfg.get('loss_weight')
            declared, pairing = {}, None
        edge = LossEdge(name, type_name, weight, pairing=pairing)
        mapping = dict(explicit['loss_forward_mappings'].get(name, {}))
        for arg, field_name in declared.items():
            mapping.setdefault(arg, dict(data_samples=field_name))
        values = {}
        for arg, spec in mapping.items():
            specs = spec if isinstance(spec, list) else [spec]
            for one in specs:
                if 'data_samples' in one:
                    edge.others.append(f'{arg} <- data_samples.'
                                       f'{one["data_samples"]}')
                    continue
                point = _endpoint(one, recorders)
                (edge.students
                 if point.side == 'student' else edge.teachers).append(point)
                if point.problem:
                    continue
                manager = recorders.managers[point.side, point.recorder]
                try:
                    value = manager[point.recorder].get_record_data(
                        point.record_idx, point.data_idx)
                except (IndexError, TypeError) as err:
                    point.problem = str(err)
                    continue
                point.shape = _shape_of(value)
                values[id(point)] = value
        reference = None
        if len(edge.teachers) == 1 and id(edge.teachers[0]) in values:
            reference = values[id(edge.teachers[0])]
        for point in edge.students + edge.teachers:
            if point.connector is None or id(point) not in values:
                continue
            cfg = explicit['connectors'].get(point.connector)
            if cfg is None:
                point.problem = f'no connector named {point.connector!r}'
                continue
            try:
                with DefaultScope.overwrite_default_scope('mmkd'):
                    connector = MODELS.build(copy.deepcopy(cfg)) \
                        if isinstance(cfg, dict) else cfg
                with torch.no_grad():
                    point.connected = _shape_of(connector.eval()(
                        values[id(point)],
                        reference if isinstance(reference, torch.Tensor)
                        and point.side == 'student' else None))
            except Exception as err:  # reported with the loss
                point.problem = (f'connector {point.connector!r} failed: '
                                 f'{type(err).__name__}: {err}')
        edge.note = _edge_note(edge)
        edges.append(edge)
    return edges


def _edge_note(edge: LossEdge) -> str:
    if any(p.problem for p in edge.students + edge.teachers):
        return 'see the problem above'
    if len(edge.students) != 1 or len(edge.teachers) != 1:
        return ''
    student, teacher = edge.students[0], edge.teachers[0]
    s_shape = student.connected if student.connector else student.shape
    t_shape = teacher.connected if teacher.connector else teacher.shape
    if s_shape == t_shape:
        return 'shapes match'
    rule = edge.pairing
    if rule is not None and rule.fix in ('none', 'size'):
        return f'shapes differ, which {edge.type_name} allows'
    fix = _connector(rule.fix if rule else 'shape', student.shape, t_shape)
    hint = f'; a connector would fix it: {format_cfg(fix[0])}' \
        if fix[0] else ''
    return f'SHAPES DIFFER: {s_shape} vs {t_shape}{hint}'
