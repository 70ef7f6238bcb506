"""What a resolved CIFAR distillation config trains, described as its recipe
card says it (``tools/misc/recipe_cards.py`` writes the cards from it):
total batch, optimizer, schedule, epochs, augmentation, student
initialisation, cross-entropy weight, the distill losses (built, to read
their hyper-parameters; nothing is trained) with their weights, layers and
connectors, and the recipe's hooks."""
import inspect
from typing import Any, List

# hooks that report or evaluate; every other custom hook is part of the
# recipe and must be on its card
REPORTING_HOOKS = ('EvaluateTeacherHook', 'RecipeHook')


def _plain(value: Any) -> Any:
    """ConfigDicts and tuples as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def explicit_distiller(distiller: dict) -> dict:
    """The explicit form of a ``ConfigurableDistiller`` config."""
    from mmkd.models.distillers import explicit_form
    return explicit_form(_plain(distiller))


def _layer(spec: Any, recorders: dict) -> Any:
    """A mapping spec as a layer name: the module name for a module's
    output, ``'<Recorder>:<source>'`` otherwise, ``'#<k>'`` for the k-th
    record; a list for several layers."""
    if isinstance(spec, (list, tuple)):
        return [_layer(s, recorders) for s in spec]
    recorder = dict(recorders[spec['recorder']])
    name = recorder['source']
    if recorder.get('type', 'ModuleOutputs') != 'ModuleOutputs':
        name = f'{recorder["type"]}:{name}'
    if spec.get('record_idx'):
        name += f'#{spec["record_idx"]}'
    return name


def _connector(spec: Any, connectors: dict) -> Any:
    if isinstance(spec, (list, tuple)):
        found = [_connector(s, connectors) for s in spec]
        return None if not any(found) else found
    name = spec.get('connector')
    return None if name is None else connectors[name]['type']


def _loss_value(loss, cfg: dict, key: str) -> Any:
    """A hyper-parameter of a built loss: its attribute, else the config
    value, else the constructor's default."""
    if hasattr(loss, key):
        return _plain(getattr(loss, key))
    if key in cfg:
        return cfg[key]
    parameter = inspect.signature(type(loss).__init__).parameters.get(key)
    if parameter is None or parameter.default is inspect.Parameter.empty:
        raise KeyError(f'{type(loss).__name__} has no hyper-parameter '
                       f'{key!r}.')
    return parameter.default


def config_losses(cfg) -> List[dict]:
    """The distill losses of a config, in order, described as on a card
    (all their constructor arguments under ``params``)."""
    import torch
    from mmengine.registry import init_default_scope

    from mmkd.models.distillers.loss_signature import forward_params
    from mmkd.registry import MODELS
    init_default_scope('mmkd')
    explicit = explicit_distiller(cfg.model.distiller)
    losses = []
    for name, loss_cfg in explicit['distill_losses'].items():
        loss = MODELS.build(dict(loss_cfg))
        first, second = forward_params(loss)[0][:2]
        mapping = explicit['loss_forward_mappings'][name]
        params = {
            key: _loss_value(loss, loss_cfg, key)
            for key in inspect.signature(type(loss).__init__).parameters
            if key not in ('self', 'loss_weight', 'args', 'kwargs') and (
                hasattr(loss, key) or key in loss_cfg)
            and not isinstance(getattr(loss, key, None), torch.nn.Module)
        }
        entry = dict(
            type=type(loss).__name__,
            weight=loss.loss_weight,
            student=_layer(mapping[first], explicit['student_recorders']),
            teacher=_layer(mapping[second], explicit['teacher_recorders']),
            connector=_connector(mapping[first], explicit['connectors']),
            params=params)
        teacher_connector = _connector(mapping[second], explicit['connectors'])
        if teacher_connector is not None:
            entry['teacher_connector'] = teacher_connector
        losses.append(entry)
    return losses


def _schedulers(cfg) -> List[dict]:
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    return [{
        k: _plain(v)
        for k, v in s.items() if k in ('type', 'milestones', 'gamma')
    } for s in schedulers]


def config_recipe(cfg) -> dict:
    """What a resolved config trains, as a recipe card would say it."""
    optimizer = cfg.optim_wrapper.optimizer
    declared = cfg.get('recipe') or {}
    init_cfg = cfg.model.architecture.get('init_cfg') or {}
    hooks = [
        _plain(h) for h in cfg.get('custom_hooks', [])
        if h['type'] not in REPORTING_HOOKS
    ]
    return dict(
        total_batch_size=cfg.train_dataloader.batch_size,
        declared_total_batch_size=declared.get('total_batch_size'),
        optimizer={
            k: optimizer.get(k)
            for k in ('type', 'lr', 'momentum', 'weight_decay')
        },
        declared_lr=declared.get('lr'),
        schedule=_schedulers(cfg),
        epochs=cfg.train_cfg.max_epochs,
        declared_epochs=declared.get('max_epochs'),
        augmentation=[
            _plain(t) for t in cfg.train_dataloader.dataset.pipeline
            if t['type'] != 'PackClsInputs'
        ],
        student_init=('pretrained' if dict(init_cfg).get('type')
                      == 'Pretrained' else 'scratch'),
        ce_weight=cfg.model.get('student_loss_weight', 1.0),
        losses=config_losses(cfg),
        hooks=hooks)
