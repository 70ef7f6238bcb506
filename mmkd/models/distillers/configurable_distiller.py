"""ConfigurableDistiller: recorders + connectors + losses, wired by config."""
import inspect
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmkd.registry import MODELS
from ..recorders import RecorderManager

ArgSpec = Union[dict, List[dict]]


def known_loss_names() -> List[str]:
    """Registered names that look like distillation losses."""
    import mmkd.models.losses  # noqa: F401  make sure they are registered
    names = []
    for name, cls in MODELS.module_dict.items():
        if cls.__module__.startswith('mmkd.models.losses') or \
                'loss' in name.lower():
            names.append(name)
    return sorted(names)


def _build_loss(name: str, cfg: Union[dict, nn.Module]) -> nn.Module:
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'Distill loss {name!r} must be a dict with a "type", '
                        f'got {cfg!r}.')
    loss_type = cfg['type']
    if isinstance(loss_type, str) and MODELS.get(loss_type) is None:
        raise KeyError(
            f'Unknown distill loss type {loss_type!r} (loss {name!r}). Known '
            f'losses: {", ".join(known_loss_names())}. A custom loss must be '
            'registered with @mmkd.registry.MODELS.register_module() and its '
            'module imported (e.g. custom_imports in the config).')
    return MODELS.build(cfg)


def _forward_params(loss: nn.Module):
    """Argument names of ``loss.forward``, which are required, and whether
    it takes ``**kwargs``."""
    params = list(inspect.signature(loss.forward).parameters.values())
    names = [
        p.name for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    required = [
        p.name for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.default is p.empty
    ]
    var_kw = any(p.kind == p.VAR_KEYWORD for p in params)
    return names, required, var_kw


def _loss_key(loss_type: Any) -> str:
    """'KDLoss' -> 'kd', 'vanilla_kd' -> 'vanilla_kd', a class -> its name."""
    name = loss_type if isinstance(loss_type, str) else getattr(
        loss_type, '__name__', 'custom')
    name = name.split('.')[-1]
    if name.endswith('Loss') and len(name) > 4:
        name = name[:-4]
    return name.lower()


def _layer_recorders(key: str, layers: Sequence[Union[str, dict]],
                     from_student: bool):
    """Recorder configs and mapping specs for the compact form's layers.

    A layer is a module name (its output is recorded) or a recorder config
    with a ``source`` (e.g. ``dict(type='ModuleInputs',
    source='layer1.2.relu', record_idx=1, data_idx=0)``); ``record_idx``
    and ``data_idx`` pick from the records, as in the explicit form.
    """
    recorders, specs = {}, []
    for i, layer in enumerate(layers):
        picks = {}
        if isinstance(layer, str):
            name, cfg = layer, dict(type='ModuleOutputs', source=layer)
        elif isinstance(layer, dict) and isinstance(layer.get('source'), str):
            cfg = dict(layer)
            picks = {
                k: cfg.pop(k)
                for k in ('record_idx', 'data_idx') if k in cfg
            }
            cfg.setdefault('type', 'ModuleOutputs')
            name = cfg['source'] if cfg['type'] == 'ModuleOutputs' else \
                f'{cfg["type"]}:{cfg["source"]}'
        else:
            raise TypeError(
                f'{key}[{i}] must be a layer name or a recorder config with '
                f'a "source", got {layer!r}.')
        recorders[name] = cfg
        specs.append(dict(recorder=name, from_student=from_student, **picks))
    return recorders, specs


def compact_to_explicit(student_distill_layer: Sequence[str],
                        teacher_distill_layer: Sequence[str],
                        loss: Sequence[dict],
                        weights: Optional[Sequence[float]] = None,
                        connectors: Optional[Sequence[Optional[dict]]] = None
                        ) -> dict:
    """Translate the layer-pair form into the explicit form.

    - ``len(loss) == len(layers)``: loss ``i`` compares student layer ``i``
      with teacher layer ``i``;
    - one loss and several layers: the loss gets the lists of all layers
      (e.g. IRG on ``['layer2', 'layer3', 'linear']``).

    ``weights[i]`` multiplies loss ``i``; ``connectors[i]`` (optional, per
    student layer) adapts student layer ``i`` before its loss. A layer is a
    module name (its output) or a recorder config with a ``source`` and
    optional ``record_idx``/``data_idx`` (e.g. the input of a ReLU).

    Returns:
        dict: ``student_recorders``, ``teacher_recorders``, ``connectors``,
        ``distill_losses``, ``loss_forward_mappings``, ``loss_multipliers``.
    """
    for key, value in (('student_distill_layer', student_distill_layer),
                       ('teacher_distill_layer', teacher_distill_layer),
                       ('loss', loss)):
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f'{key} must be a non-empty list, got {value!r}.')
    n_layers = len(student_distill_layer)
    if len(teacher_distill_layer) != n_layers:
        raise ValueError(
            f'student_distill_layer has {n_layers} layers '
            f'({list(student_distill_layer)}) but teacher_distill_layer has '
            f'{len(teacher_distill_layer)} ({list(teacher_distill_layer)}); '
            'they are paired one to one.')
    weights = [1.0] * len(loss) if weights is None else list(weights)
    if len(weights) != len(loss):
        raise ValueError(f'weights has {len(weights)} values but loss has '
                         f'{len(loss)} entries; give one weight per loss.')
    if len(loss) not in (1, n_layers):
        raise ValueError(
            f'loss has {len(loss)} entries for {n_layers} layer pairs: give '
            'one loss per layer pair, or one loss that takes all layers.')
    if connectors is not None and len(connectors) != n_layers:
        raise ValueError(
            f'connectors has {len(connectors)} entries for {n_layers} '
            'student layers; use None for layers without a connector.')

    student_recorders, student_specs = _layer_recorders(
        'student_distill_layer', student_distill_layer, True)
    teacher_recorders, teacher_specs = _layer_recorders(
        'teacher_distill_layer', teacher_distill_layer, False)
    connector_cfgs = {}
    for i, spec in enumerate(student_specs):
        if connectors is not None and connectors[i] is not None:
            connector_cfgs[f'connector_{i}'] = connectors[i]
            spec['connector'] = f'connector_{i}'

    keys = [_loss_key(cfg.get('type')) for cfg in loss]
    distill_losses, mappings, multipliers = {}, {}, {}
    for i, (cfg, key) in enumerate(zip(loss, keys)):
        name = f'loss_{key}' if keys.count(key) == 1 else f'loss_{key}_{i}'
        distill_losses[name] = cfg
        multipliers[name] = float(weights[i])
        if len(loss) == n_layers:
            mappings[name] = (student_specs[i], teacher_specs[i])
        else:
            mappings[name] = (student_specs, teacher_specs)
    return dict(
        student_recorders=student_recorders,
        teacher_recorders=teacher_recorders,
        connectors=connector_cfgs,
        distill_losses=distill_losses,
        loss_forward_mappings=mappings,
        loss_multipliers=multipliers)


@MODELS.register_module()
class ConfigurableDistiller(BaseModule):
    """Computes distillation losses from recorded student/teacher tensors.

    Two equivalent ways to configure it (the compact one is translated into
    the explicit one, so both run the same code):

    Compact, the layer-pair form of the seed toolkit::

        distiller = dict(
            type='ConfigurableDistiller',
            student_distill_layer=['layer1', 'layer2', 'layer3'],
            teacher_distill_layer=['layer1', 'layer2', 'layer3'],
            loss=[dict(type='vid', inC=16, midC=16, outC=16), ...],
            weights=[1.0, 1.0, 1.0])

    Explicit::

        distiller = dict(
            type='ConfigurableDistiller',
            student_recorders=dict(
                logits=dict(type='ModuleOutputs', source='linear')),
            teacher_recorders=dict(
                logits=dict(type='ModuleOutputs', source='linear')),
            connectors=dict(),
            distill_losses=dict(loss_kd=dict(type='KDLoss', T=4)),
            loss_forward_mappings=dict(
                loss_kd=dict(
                    student=dict(recorder='logits', from_student=True),
                    teacher=dict(recorder='logits', from_student=False))))

    In ``loss_forward_mappings`` each loss argument is one of
    ``dict(recorder=NAME, from_student=BOOL, connector=None, record_idx=0,
    data_idx=None)``, a list of those (multi-input losses), or
    ``dict(data_samples=FIELD)`` for a field of the batch's data samples
    (ground truth). In the compact form the first two arguments of the
    loss's ``forward`` receive the student and the teacher tensors. A loss
    class that needs ground truth declares it, e.g. ``data_sample_inputs =
    dict(gt_labels='gt_label')``, and gets it in both forms without any
    mapping (a mapping entry for that argument takes precedence).

    Args:
        student_recorders (dict, optional): Recorder configs by name.
        teacher_recorders (dict, optional): Recorder configs by name.
        distill_losses (dict, optional): Loss configs by name; log keys
            become ``distill.<name>``.
        loss_forward_mappings (dict, optional): Per loss, its arguments.
        connectors (dict | list, optional): Connector configs by name
            (explicit form) or one per student layer (compact form).
        student_distill_layer (list[str | dict], optional): Compact
            form: module names or recorder configs with a ``source``.
        teacher_distill_layer (list[str | dict], optional): Compact
            form: module names or recorder configs with a ``source``.
        loss (list[dict], optional): Compact form.
        weights (list[float], optional): Compact form; one per loss.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 student_recorders: Optional[dict] = None,
                 teacher_recorders: Optional[dict] = None,
                 distill_losses: Optional[dict] = None,
                 loss_forward_mappings: Optional[dict] = None,
                 connectors: Optional[Union[dict, list]] = None,
                 student_distill_layer: Optional[Sequence[str]] = None,
                 teacher_distill_layer: Optional[Sequence[str]] = None,
                 loss: Optional[Sequence[dict]] = None,
                 weights: Optional[Sequence[float]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        compact = (student_distill_layer, teacher_distill_layer, loss,
                   weights)
        multipliers: Dict[str, float] = {}
        if any(x is not None for x in compact):
            explicit = (student_recorders, teacher_recorders, distill_losses,
                        loss_forward_mappings)
            if any(x is not None for x in explicit):
                raise ValueError(
                    'Use either the compact form (student_distill_layer, '
                    'teacher_distill_layer, loss, weights) or the explicit '
                    'form (student_recorders, teacher_recorders, '
                    'distill_losses, loss_forward_mappings), not both.')
            if connectors is not None and not isinstance(
                    connectors, (list, tuple)):
                raise TypeError('In the compact form, connectors is a list '
                                'with one entry (or None) per student layer.')
            cfg = compact_to_explicit(student_distill_layer or [],
                                      teacher_distill_layer or [], loss or [],
                                      weights, connectors)
            student_recorders = cfg['student_recorders']
            teacher_recorders = cfg['teacher_recorders']
            connectors = cfg['connectors']
            distill_losses = cfg['distill_losses']
            multipliers = cfg['loss_multipliers']
            loss_forward_mappings = {
                name: self._name_pair(name, distill_losses[name], pair)
                for name, pair in cfg['loss_forward_mappings'].items()
            }
            distill_losses = {
                name: self._built_losses.pop(name)
                for name in distill_losses
            }

        self.student_recorders = RecorderManager(student_recorders)
        self.teacher_recorders = RecorderManager(teacher_recorders)
        self.connectors = nn.ModuleDict({
            name: MODELS.build(c) if isinstance(c, dict) else c
            for name, c in (connectors or {}).items()
        })
        self.distill_losses = nn.ModuleDict({
            name: _build_loss(name, c)
            for name, c in (distill_losses or {}).items()
        })
        self.loss_forward_mappings = dict(loss_forward_mappings or {})
        self.loss_multipliers = {
            name: multipliers.get(name, 1.0)
            for name in self.distill_losses
        }
        # scaled by DistillLossWarmupHook; 0 switches distillation off
        self.loss_scale = 1.0
        self._check_mappings()

    _built_losses: Dict[str, nn.Module] = {}

    def _name_pair(self, name: str, cfg: dict, pair) -> dict:
        """Give the (student, teacher) pair the loss's first two argument
        names (building the loss once to read its signature)."""
        loss = _build_loss(name, cfg)
        type(self)._built_losses[name] = loss
        names, _, _ = _forward_params(loss)
        if len(names) < 2:
            raise TypeError(
                f'Distill loss {name!r} ({type(loss).__name__}) must take '
                '(student, teacher) as its first two forward arguments.')
        return {names[0]: pair[0], names[1]: pair[1]}

    # ----------------------------------------------------------- validation
    def _check_mappings(self) -> None:
        losses, mappings = set(self.distill_losses), set(
            self.loss_forward_mappings)
        if mappings - losses:
            raise KeyError(
                f'loss_forward_mappings has entries for '
                f'{sorted(mappings - losses)}, which are not in '
                f'distill_losses ({sorted(losses)}).')
        if losses - mappings:
            raise KeyError(
                f'distill_losses {sorted(losses - mappings)} have no entry in '
                'loss_forward_mappings; say which recorded tensors they take.')
        for name, mapping in list(self.loss_forward_mappings.items()):
            loss = self.distill_losses[name]
            params, required, var_kw = _forward_params(loss)
            # ground truth a loss declares it takes from the batch (e.g.
            # ``data_sample_inputs = dict(gt_labels='gt_label')``) is filled
            # in unless the mapping gives that argument itself
            mapping = dict(mapping)
            for arg, field in getattr(loss, 'data_sample_inputs', {}).items():
                mapping.setdefault(arg, dict(data_samples=field))
            self.loss_forward_mappings[name] = mapping
            for arg, spec in mapping.items():
                if arg not in params and not var_kw:
                    raise KeyError(
                        f'loss_forward_mappings.{name}.{arg}: '
                        f'{type(loss).__name__}.forward has no argument '
                        f'{arg!r}; it takes {params}.')
                for one in (spec if isinstance(spec, list) else [spec]):
                    self._check_spec(f'loss_forward_mappings.{name}.{arg}',
                                     one)
            missing = [p for p in required if p not in mapping]
            if missing:
                raise KeyError(
                    f'loss_forward_mappings.{name} does not give the '
                    f'required argument(s) {missing} of '
                    f'{type(loss).__name__}.forward.')

    def _check_spec(self, where: str, spec: Any) -> None:
        if not isinstance(spec, dict):
            raise TypeError(f'{where} must be a dict (or a list of dicts), '
                            f'got {spec!r}.')
        if 'data_samples' in spec:
            return
        if 'recorder' not in spec or 'from_student' not in spec:
            raise KeyError(f'{where} needs "recorder" and "from_student" '
                           f'(or "data_samples"), got {spec!r}.')
        side = 'student' if spec['from_student'] else 'teacher'
        recorders = (self.student_recorders
                     if spec['from_student'] else self.teacher_recorders)
        if spec['recorder'] not in recorders:
            raise KeyError(
                f'{where}: no {side} recorder named {spec["recorder"]!r}; '
                f'{side}_recorders has {sorted(recorders)}.')
        connector = spec.get('connector')
        if connector is not None and connector not in self.connectors:
            raise KeyError(f'{where}: no connector named {connector!r}; '
                           f'connectors has {sorted(self.connectors)}.')

    # ------------------------------------------------------------ running
    def prepare(self, student: nn.Module, teacher: nn.Module) -> None:
        """Attach the recorders (unknown layer names fail here, at build
        time, with suggestions) and call ``init_from_models(student,
        teacher)`` on the connectors and losses that define it."""
        self.student_recorders.initialize(student, 'student')
        self.teacher_recorders.initialize(teacher, 'teacher')
        # connectors and losses that derive something from the networks
        # (e.g. OFD's margins from the teacher's BN statistics, after its
        # checkpoint is loaded) define ``init_from_models``
        for part in list(self.connectors.values()) + list(
                self.distill_losses.values()):
            if hasattr(part, 'init_from_models'):
                part.init_from_models(student, teacher)

    def reset(self) -> None:
        """Forget this step's recorded tensors."""
        self.student_recorders.reset()
        self.teacher_recorders.reset()

    def _describe(self, spec: dict) -> str:
        if 'data_samples' in spec:
            return f'data_samples.{spec["data_samples"]}'
        side = 'student' if spec['from_student'] else 'teacher'
        recorders = (self.student_recorders
                     if spec['from_student'] else self.teacher_recorders)
        return f'{side} {recorders[spec["recorder"]].source!r}'

    def _describe_input(self, spec: ArgSpec, value: Any) -> str:
        """'student 'layer2' (2, 32, 16, 16)' for error messages."""
        if isinstance(spec, list):
            return ' + '.join(
                self._describe_input(s, v) for s, v in zip(spec, value))
        shape = f' {tuple(value.shape)}' if isinstance(value,
                                                      torch.Tensor) else ''
        return self._describe(spec) + shape

    def _gather(self, spec: dict, data_samples) -> Any:
        if 'data_samples' in spec:
            if data_samples is None:
                raise ValueError(
                    f'A distill loss needs data_samples.{spec["data_samples"]}'
                    ' but the batch has no data samples (with the plain '
                    'PyTorch Distiller, pass targets=/indices= to its '
                    'forward).')
            field = spec['data_samples']
            missing = [i for i, s in enumerate(data_samples)
                       if not hasattr(s, field)]
            if missing:
                raise ValueError(
                    f'A distill loss needs data_samples.{field}, which '
                    f'data samples {missing} of the batch do not have (is '
                    'the ground truth loaded by the pipeline?).')
            return [getattr(s, field) for s in data_samples]
        recorders = (self.student_recorders
                     if spec['from_student'] else self.teacher_recorders)
        return recorders[spec['recorder']].get_record_data(
            spec.get('record_idx', 0), spec.get('data_idx'))

    def _connect(self, spec: dict, value: Any, reference: Any) -> Any:
        connector = spec.get('connector')
        if connector is None:
            return value
        ref = reference if isinstance(reference, torch.Tensor) else None
        return self.connectors[connector](value, ref)

    def compute_distill_losses(
            self,
            data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """All distill losses from this step's records, as
        ``{name: weighted loss}``."""
        losses = {}
        for name, mapping in self.loss_forward_mappings.items():
            raw = {
                arg: ([self._gather(s, data_samples) for s in spec]
                      if isinstance(spec, list) else self._gather(
                          spec, data_samples))
                for arg, spec in mapping.items()
            }
            teacher_args = [
                arg for arg, spec in mapping.items()
                if isinstance(spec, dict) and spec.get('from_student') is False
            ]
            reference = raw[teacher_args[0]] if len(teacher_args) == 1 \
                else None
            kwargs = {}
            for arg, spec in mapping.items():
                if isinstance(spec, list):
                    kwargs[arg] = [
                        self._connect(s, v, None)
                        for s, v in zip(spec, raw[arg])
                    ]
                else:
                    kwargs[arg] = self._connect(spec, raw[arg], reference)
            try:
                value = self.distill_losses[name](**kwargs)
            except (ValueError, RuntimeError, TypeError) as err:
                sources = ', '.join(
                    f'{arg} <- {self._describe_input(spec, kwargs[arg])}'
                    for arg, spec in mapping.items())
                raise type(err)(
                    f'Distill loss {name!r} ({sources}) failed: {err}'
                ) from err
            losses[name] = value * (self.loss_multipliers[name] *
                                    self.loss_scale)
        return losses
