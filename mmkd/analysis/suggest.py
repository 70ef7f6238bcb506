"""Layer pairs and connectors a loss could use, and the config snippet."""
import difflib
import inspect
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import mmkd.models  # noqa: F401  registers the losses
from mmkd.models.distillers import known_loss_names
from mmkd.models.losses import Pairing, declared_pairing
from mmkd.registry import MODELS
from .recording import ModelRun


@dataclass
class Feature:
    """A candidate tensor for pairing."""
    name: str
    kind: str  # 'stage' | 'levels' | 'logits' | 'embedding'
    shape: Any  # a shape, or a list of shapes (levels)
    stride: Any = None
    data_idx: Optional[int] = None
    inputs: bool = False  # the module's input (ModuleInputs), not output

    @property
    def layer(self):
        """The compact form's layer entry."""
        if self.inputs:
            return dict(
                type='ModuleInputs', source=self.name, data_idx=self.data_idx)
        if self.data_idx is None:
            return self.name
        return dict(source=self.name, data_idx=self.data_idx)

    @property
    def label(self) -> str:
        if self.inputs:
            return f'{self.name} (input)'
        return self.name if self.data_idx is None else \
            f'{self.name}[{self.data_idx}]'


@dataclass
class Candidates:
    stages: Dict[int, Feature]
    levels: List[Feature]
    logits: Optional[Feature]
    embedding: Optional[Feature]


def _is_vector(shape) -> bool:
    return isinstance(shape,
                      tuple) and (len(shape) == 2 or
                                  (len(shape) == 4 and shape[2:] == (1, 1)))


def _is_stem(name: str, containers: set) -> bool:
    """A stem output, not a stage: a module named ``stem*``, or, next to
    stages that are blocks of layers (``layer1``), a single layer
    (``conv1``, ``bn1``, ``relu``, ``maxpool``)."""
    return name.split('.')[-1].startswith(
        'stem') or bool(containers) and name not in containers


def candidates(run: ModelRun) -> Candidates:
    """Stages, multi-level outputs, logits and embedding of one run (see
    the module docstring for the rules)."""
    n = run.input_shape[0]
    root = 'backbone.' if 'backbone' in run.records else ''
    once = sorted((r for r in run.records.values() if r.calls == 1),
                  key=lambda r: r.order)
    stages: Dict[int, Feature] = {}
    modules = dict(run.model.named_modules())
    children = [
        r.name for r in once if r.name.startswith(root)
        and '.' not in r.name[len(root):] and r.name != run.logits
    ]
    containers = {
        name
        for name in children
        if name in modules and any(True for _ in modules[name].children())
    }
    for rec in once:
        shape = rec.tensor_shape
        if rec.name not in children or _is_stem(rec.name, containers):
            continue
        if shape and len(shape) == 4 and shape[0] == n and \
                shape[2:] != (1, 1):
            stride = run.stride(shape)
            stages[stride] = Feature(rec.name, 'stage', shape, stride)
    levels = []  # the backbone's levels are its stages already
    for rec in once:
        shapes = rec.level_shapes
        if '.' not in rec.name and rec.name + '.' != root and shapes and \
                all(s[0] == n for s in shapes):
            levels.append(
                Feature(rec.name, 'levels', shapes,
                        tuple(run.stride(s) for s in shapes)))
    logits = None
    if run.logits is not None:
        logits = Feature(run.logits, 'logits',
                         run.records[run.logits].tensor_shape)
    embedding = None
    logits_in = run.records[run.logits].inputs if run.logits else None
    if logits_in and len(logits_in) == 1 and \
            isinstance(logits_in[0][1], tuple) and \
            len(logits_in[0][1]) == 2:  # a classifier's (N, D) features
        return Candidates(
            stages, levels, logits,
            Feature(
                run.logits,
                'embedding',
                logits_in[0][1],
                data_idx=0,
                inputs=True))
    limit = run.records[run.logits].order if run.logits else math.inf
    for rec in once:
        shape = rec.tensor_shape
        if rec.order < limit and rec.name.count('.') <= 1 and \
                _is_vector(shape) and shape[0] == n and \
                not (run.logits or '').startswith(rec.name):
            embedding = Feature(rec.name, 'embedding', shape)
    return Candidates(stages, levels, logits, embedding)


def _width(shape) -> int:
    if _is_vector(shape):
        return int(math.prod(shape[1:]))
    return shape[1]


def _connector(fix: str, s_shape, t_shape) -> Tuple[Optional[dict], str]:
    """The connector a student tensor needs for a loss whose pairing has
    ``fix`` (:class:`mmkd.models.losses.Pairing`),
    or None, and a note ('' when fine, else why the pair does not work)."""
    if fix == 'none' or s_shape == t_shape and fix != 'mgd':
        return None, ''
    if not (isinstance(s_shape, tuple) and isinstance(t_shape, tuple)):
        return None, 'not comparable'
    if s_shape[0] != t_shape[0]:
        return None, 'batch sizes differ'
    if fix == 'same':
        return None, f'shapes differ ({s_shape} vs {t_shape}) and no ' \
            'connector makes them equal'
    both_maps = len(s_shape) == len(t_shape) == 4
    if fix == 'mgd':
        if not both_maps or s_shape[2:] != t_shape[2:]:
            return None, 'MGD needs feature maps of the same size'
        names = inspect.signature(MODELS.get('MGDConnector')).parameters
        if 'in_channels' in names:  # the one vocabulary
            return dict(
                type='MGDConnector',
                in_channels=s_shape[1],
                out_channels=t_shape[1]), ''
        return dict(
            type='MGDConnector',
            student_channels=s_shape[1],
            teacher_channels=t_shape[1]), ''
    if fix == 'size':
        if both_maps and s_shape[2:] != t_shape[2:]:
            return dict(type='ResizeConnector'), ''
        return None, ''
    # fix == 'shape'; LinearEmbedConnector gives (N, D): for a 2-D teacher
    if _is_vector(s_shape) and len(t_shape) == 2 and \
            _width(s_shape) != t_shape[1]:
        return dict(
            type='LinearEmbedConnector',
            in_channels=_width(s_shape),
            out_channels=t_shape[1]), ''
    if not both_maps:
        return None, (f'not comparable: a {len(s_shape)}-D and a '
                      f'{len(t_shape)}-D tensor')
    if s_shape[1] != t_shape[1]:
        cfg = dict(
            type='ConvBNConnector',
            in_channels=s_shape[1],
            out_channels=t_shape[1])
        if s_shape[2:] != t_shape[2:]:
            cfg['resize'] = True
        return cfg, ''
    return dict(type='ResizeConnector'), ''


@dataclass
class Suggestion:
    student: Feature
    teacher: Feature
    connector: Optional[dict]
    note: str = ''


def _pair(rule: Pairing, s: Feature, t: Feature) -> List[Suggestion]:
    if s.kind != 'levels':
        cfg, note = _connector(rule.fix, s.shape, t.shape)
        return [Suggestion(s, t, cfg, note)]
    per_level = [_connector(rule.fix, a, b) for a, b in zip(s.shape, t.shape)]
    if all(cfg is None and not note for cfg, note in per_level):
        return [Suggestion(s, t, None)]
    # a connector adapts one tensor: one pair per level
    return [
        Suggestion(
            Feature(s.name, 'stage', a, st, i),
            Feature(t.name, 'stage', b, tt, i), cfg, note)
        for i, ((cfg, note), a, b, st, tt) in enumerate(
            zip(per_level, s.shape, t.shape, s.stride, t.stride))
    ]


def suggest(rule: Pairing, student: Candidates,
            teacher: Candidates) -> Tuple[List[Suggestion], List[str]]:
    """Pairs for a loss's declared pairing, and notes on what could not be
    paired."""
    pairs, notes = [], []
    if 'stages' in rule.pair_with:
        common = sorted(set(student.stages) & set(teacher.stages))
        for stride in common:
            pairs += _pair(rule, student.stages[stride],
                           teacher.stages[stride])
    if 'levels' in rule.pair_with:
        for s in student.levels:
            matches = [t for t in teacher.levels if t.stride == s.stride]
            matches.sort(key=lambda t: t.name != s.name)
            if matches:
                pairs += _pair(rule, s, matches[0])
    wants_logits = 'logits' in rule.pair_with or (
        'dense_logits' in rule.pair_with and student.logits is not None
        and len(student.logits.shape) == 4)
    if wants_logits:
        if student.logits and teacher.logits:
            pairs += _pair(rule, student.logits, teacher.logits)
        else:
            notes.append(
                'no logits to pair: the model\'s \'tensor\'-mode output is '
                'not one tensor (detectors give several head outputs; '
                "record them with dict(type='MethodOutputs', "
                "source='bbox_head.forward') in the explicit form)")
    if 'embedding' in rule.pair_with:
        if student.embedding and teacher.embedding:
            pairs += _pair(rule, student.embedding, teacher.embedding)
        elif rule.pair_with == ('embedding', ):
            notes.append('no per-sample embedding found (a vector output '
                         'before the logits, such as avgpool)')
    if not rule.pair_with:
        notes.append(f'{rule.kind}: pick the layers from the listing above')
    elif not pairs and not notes:
        notes.append('no pair found by the rules; pick layers from the '
                     'listing above')
    return pairs, notes


def resolve_loss_type(name: str):
    """The registered loss class for ``--loss`` (aliases allowed)."""
    cls = MODELS.get(name)
    if cls is None:
        known = known_loss_names()
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f' Did you mean {", ".join(close)}?' if close else ''
        raise KeyError(f'--loss {name!r} is not a registered loss.{hint} '
                       f'Known: {", ".join(known)}.')
    return cls


def loss_pairing(cls) -> Pairing:
    """What the loss class declares it pairs (``pairing``).

    Raises:
        TypeError: It declares nothing; the message says what to declare.
    """
    pairing = declared_pairing(cls)
    if pairing is None:
        raise TypeError(
            f'{cls.__name__} declares no pairing, so the layer finder does '
            'not know which layers it compares. Declare it on the class, '
            'e.g. pairing = mmkd.models.losses.Pairing(\'feature maps of '
            "the same shape', pair_with=('stages', 'levels'), fix='shape', "
            "student_channels=(), teacher_channels=()) (pair_with: stages, "
            'levels, logits, dense_logits, embedding; fix: same, shape, '
            'size, none, mgd; see docs/layer_finder.md).')
    return pairing


def loss_init_args(cls, pair: Suggestion) -> Dict[str, Any]:
    """Required arguments of the loss, the channel arguments it declares
    (``pairing``) filled with the pair's widths; others are None."""
    out = {}
    pairing = declared_pairing(cls)
    widths = {}
    for side, args in (('student', pairing.student_channels),
                       ('teacher', pairing.teacher_channels)):
        shape = getattr(pair, side).shape
        for arg in args:
            widths[arg] = _width(shape) if isinstance(shape, tuple) else None
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    for param in params:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name in widths:
            out[param.name] = widths[param.name]
        elif param.default is param.empty:
            out[param.name] = None
    return out


def format_cfg(value) -> str:
    """A config value as Python source (``dict(type='X', a=1)``)."""
    if isinstance(value, dict):
        return 'dict(' + ', '.join(f'{k}={format_cfg(v)}'
                                   for k, v in value.items()) + ')'
    if isinstance(value, list):
        return '[' + ', '.join(format_cfg(v) for v in value) + ']'
    if isinstance(value, tuple):
        return '(' + ', '.join(format_cfg(v) for v in value) + \
            (',)' if len(value) == 1 else ')')
    return repr(value)


def snippet(loss_name: str,
            cls,
            pairs: List[Suggestion],
            models: Optional[Tuple[str, str]] = None) -> str:
    """A compact-form distiller for the usable pairs: the ``distiller`` of
    a distillation config's ``model``, or, for two model configs
    (``models``: student and teacher config paths), the whole
    ``SingleTeacherDistill`` model around it."""
    pairs = [p for p in pairs if not p.note]
    losses = []
    for pair in pairs:
        losses.append(dict(type=loss_name, **loss_init_args(cls, pair)))
    lines = ['model = dict(']
    if models is not None:
        lines += [
            "    _scope_='mmkd',", "    type='SingleTeacherDistill',",
            f'    architecture=dict(cfg_path={models[0]!r}),',
            f'    teacher=dict(cfg_path={models[1]!r}),',
            "    teacher_ckpt='path/to/teacher_checkpoint.pth',",
            '    distiller=dict(', "        type='ConfigurableDistiller',"
        ]
    else:
        lines += [
            '    distiller=dict(', '        _delete_=True,',
            "        type='ConfigurableDistiller',"
        ]

    def add(key, values):
        one_line = f'        {key}={format_cfg(values)},'
        if len(one_line) <= 79:
            lines.append(one_line)
        else:
            lines.append(f'        {key}=[')
            lines.extend(f'            {format_cfg(v)},' for v in values)
            lines.append('        ],')

    add('student_distill_layer', [p.student.layer for p in pairs])
    add('teacher_distill_layer', [p.teacher.layer for p in pairs])
    if any(p.connector for p in pairs):
        add('connectors', [p.connector for p in pairs])
    add('loss', losses)
    add('weights', [1.0] * len(pairs))
    lines[-1] = lines[-1][:-1] + '))'
    if any(v is None for loss in losses for v in loss.values()):
        lines.append('# set the loss arguments given as None')
    return '\n'.join(lines)
