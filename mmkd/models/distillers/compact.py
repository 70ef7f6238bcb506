"""The compact layer-pair form, translated into the explicit form."""
import copy
import numbers
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .channels import ChannelFiller, broadcast, check_channels
from .loss_signature import accepts_init_arg, forward_params, loss_class

Layer = Union[str, dict]


def _log_key(index: int, cfg: dict) -> str:
    """The log key of a loss: its class's name without ``Loss``, lower
    case, whichever registered alias built it (``'KDLoss'`` and
    ``'vanilla_kd'`` -> ``'kd'``; ``'ChannelWiseDivergence'`` and ``'cwd'``
    -> ``'channelwisedivergence'``)."""
    name = loss_class(f'loss[{index}]', cfg).__name__
    if name.endswith('Loss') and len(name) > 4:
        name = name[:-4]
    return name.lower()


def _layer_recorders(key: str, layers: Sequence[Layer],
                     from_student: bool) -> Tuple[Dict[str, dict], List[dict]]:
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
            if not from_student and '/' in layer:
                # '<teacher>/<layer>' with several teachers
                teacher, source = layer.split('/', 1)
                cfg.update(source=source, teacher=teacher)
        elif isinstance(layer, dict) and isinstance(layer.get('source'), str):
            cfg = dict(layer)
            picks = {
                k: cfg.pop(k)
                for k in ('record_idx', 'data_idx') if k in cfg
            }
            cfg.setdefault('type', 'ModuleOutputs')
            name = cfg['source'] if cfg['type'] == 'ModuleOutputs' else \
                f'{cfg["type"]}:{cfg["source"]}'
            if cfg.get('teacher') is not None:
                name = f'{cfg["teacher"]}/{name}'
        else:
            raise TypeError(
                f'{key}[{i}] must be a layer name or a recorder config with '
                f'a "source", got {layer!r}.')
        recorders[name] = cfg
        specs.append(dict(recorder=name, from_student=from_student, **picks))
    return recorders, specs


def _check_lengths(student_layers, teacher_layers, loss, weights,
                   connectors) -> None:
    for key, value in (('student_distill_layer', student_layers),
                       ('teacher_distill_layer', teacher_layers), ('loss',
                                                                   loss)):
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f'{key} must be a non-empty list, got {value!r}.')
    n_layers = len(student_layers)
    if len(teacher_layers) != n_layers:
        raise ValueError(
            f'student_distill_layer has {n_layers} layers '
            f'({list(student_layers)}) but teacher_distill_layer has '
            f'{len(teacher_layers)} ({list(teacher_layers)}); they are '
            'paired one to one.')
    if weights is not None:
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f'weights must be a number (every loss) or a '
                            f'list with one number per loss, got '
                            f'{weights!r}.')
        if len(weights) != len(loss):
            raise ValueError(f'weights has {len(weights)} values but loss has '
                             f'{len(loss)} entries; give one weight per loss.')
    if len(loss) not in (1, n_layers):
        raise ValueError(
            f'loss has {len(loss)} entries for {n_layers} layer pairs: give '
            'one loss per layer pair, or one loss that takes all layers.')
    if connectors is not None and (not isinstance(connectors, (list, tuple))
                                   or len(connectors) != n_layers):
        raise ValueError(
            f'connectors must be a config (every student layer) or a list '
            f'with one entry (or None) per student layer ({n_layers}), got '
            f'{connectors!r}.')


def _weighted(name: str, index: int, cfg: dict,
              weights: Optional[Sequence[Any]]) -> dict:
    """``cfg`` with ``weights[index]`` as its ``loss_weight``: a loss has
    one weight, given either in its config or in ``weights``."""
    cfg = copy.deepcopy(cfg)
    if weights is None:
        return cfg
    weight = weights[index]
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
        raise TypeError(f'weights[{index}] must be a number, got '
                        f'{weight!r}.')
    if 'loss_weight' in cfg and cfg['loss_weight'] != weight:
        raise ValueError(
            f'loss[{index}] ({name}) sets loss_weight={cfg["loss_weight"]} '
            f'and weights[{index}] is {weight}: a loss has one weight; give '
            'it in one place.')
    cls = loss_class(name, cfg)
    if not accepts_init_arg(cls, 'loss_weight'):
        if weight == 1.0:
            return cfg  # nothing to apply to a loss without a weight
        raise TypeError(
            f'{cls.__name__} (loss[{index}]) takes no loss_weight, so '
            f'weights[{index}] cannot be applied; derive it from '
            'mmkd.models.losses.BaseDistillLoss or give it a loss_weight '
            'argument.')
    cfg['loss_weight'] = float(weight)
    return cfg


def compact_to_explicit(student_distill_layer: Sequence[Layer],
                        teacher_distill_layer: Sequence[Layer],
                        loss: Union[dict, Sequence[dict]],
                        weights: Optional[Union[float,
                                                Sequence[float]]] = None,
                        connectors: Optional[Union[
                            dict, Sequence[Optional[dict]]]] = None,
                        student_channels: Optional[Sequence[int]] = None,
                        teacher_channels: Optional[Sequence[int]] = None,
                        require_channel_use: bool = True) -> dict:
    """Translate the layer-pair form into the explicit form (a pure
    function: configs in, configs out; nothing is built).

    - ``len(loss) == len(layers)``: loss ``i`` compares student layer ``i``
      with teacher layer ``i``;
    - one loss and several layers: the loss gets the lists of all layers
      (e.g. IRG on ``['layer2', 'layer3', 'linear']``);
    - ``loss`` a config (not a list): one copy per layer pair.

    ``weights[i]`` becomes the ``loss_weight`` of loss ``i``; a number is
    the weight of every loss. ``connectors[i]`` (optional, per student
    layer) adapts student layer ``i`` before its loss; a config (not a
    list) is copied to every student layer. With several teachers, a
    teacher layer is ``'<teacher>/<layer>'`` (or a recorder config with
    ``teacher=``). A loss config may carry ``loss_name`` (its log key,
    default ``loss_<type>``, e.g. ``loss_kd`` for ``KDLoss``). The student
    and teacher tensors go to the first two arguments of the loss's
    ``forward``.

    ``student_channels`` / ``teacher_channels`` (optional, one channel
    count per layer pair) fill the channel arguments a loss class declares
    (``pairing``: its ``student_channels`` / ``teacher_channels``; a loss
    over all layers gets the lists) and a connector's ``in_channels`` (the
    student's) and ``out_channels`` (the teacher's), where the config
    leaves them out; channels that nothing takes are an error unless
    ``require_channel_use`` is False (they came with the layers, as in
    ``layer_pairs``). So one loss config serves any pair of networks, e.g.
    ``loss=dict(type='VIDLoss'), weights=1.0, student_channels=[16, 32,
    64], teacher_channels=[16, 32, 64]`` on three stages.

    Returns:
        dict: ``student_recorders``, ``teacher_recorders``, ``connectors``,
        ``distill_losses`` and ``loss_forward_mappings``.
    """
    n_pairs = len(student_distill_layer) if isinstance(student_distill_layer,
                                                       (list, tuple)) else 0
    loss = broadcast('loss', loss, n_pairs)
    connectors = broadcast('connectors', connectors, n_pairs)
    if isinstance(weights, numbers.Real) and not isinstance(weights, bool) \
            and isinstance(loss, (list, tuple)):
        weights = [weights] * len(loss)
    _check_lengths(student_distill_layer, teacher_distill_layer, loss, weights,
                   connectors)
    check_channels('student_channels', student_channels, n_pairs)
    check_channels('teacher_channels', teacher_channels, n_pairs)
    filler = ChannelFiller(student_channels, teacher_channels,
                           require_channel_use)
    n_layers = len(student_distill_layer)
    student_recorders, student_specs = _layer_recorders(
        'student_distill_layer', student_distill_layer, True)
    teacher_recorders, teacher_specs = _layer_recorders(
        'teacher_distill_layer', teacher_distill_layer, False)
    connector_cfgs = {}
    for i, spec in enumerate(student_specs):
        if connectors is not None and connectors[i] is not None:
            connector_cfgs[f'connector_{i}'] = filler.connector(
                f'connectors[{i}]', connectors[i], i, 'student')
            spec['connector'] = f'connector_{i}'

    for i, cfg in enumerate(loss):
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise TypeError(f'loss[{i}] must be a dict with a "type", got '
                            f'{cfg!r}.')
    keys = [_log_key(i, cfg) for i, cfg in enumerate(loss)]
    distill_losses, mappings = {}, {}
    for i, (cfg, key) in enumerate(zip(loss, keys)):
        cfg = dict(cfg)
        name = cfg.pop('loss_name', None) or (f'loss_{key}' if keys.count(key)
                                              == 1 else f'loss_{key}_{i}')
        if name in distill_losses:
            raise ValueError(f'loss[{i}]: the log key {name!r} is taken by '
                             'another loss; give each loss its own '
                             'loss_name.')
        cfg = filler.loss(name, cfg, i if len(loss) == n_layers else None)
        distill_losses[name] = _weighted(name, i, cfg, weights)
        params, _, _ = forward_params(loss_class(name, cfg))
        if len(params) < 2:
            raise TypeError(
                f'Distill loss {name!r} ({cfg["type"]}) must take '
                '(student, teacher) as its first two forward arguments.')
        if len(loss) == n_layers:
            pair = (student_specs[i], teacher_specs[i])
        else:
            pair = (student_specs, teacher_specs)
        mappings[name] = {params[0]: pair[0], params[1]: pair[1]}
    filler.check_used()
    return dict(
        student_recorders=student_recorders,
        teacher_recorders=teacher_recorders,
        connectors=connector_cfgs,
        distill_losses=distill_losses,
        loss_forward_mappings=mappings)
