"""Check CIFAR distillation configs against their recipe cards.

Every model of a ``configs/kd/<method>/metafile.yml`` (listed by the
top-level ``model-index.yml``) carries ``Metadata.Recipe``: the recipe behind
its published number (total batch, optimizer, schedule, epochs,
augmentation, student initialisation, cross-entropy weight, the distill
losses with their weights, hyper-parameters, recorded layers and
connectors, the recipe's hooks) with its source and the deviations mmkd
makes. This tool resolves a config and compares it with its card; nothing
is trained or built beyond the loss modules (their hyper-parameters are
read from the built losses).

    python tools/misc/recipe_cards.py                 # every card
    python tools/misc/recipe_cards.py configs/kd/vid_r20.py CONFIG ...
"""
import argparse
import inspect
import math
import os.path as osp
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

# hooks that report or evaluate; every other custom hook is part of the
# recipe and must be on its card
REPORTING_HOOKS = ('EvaluateTeacherHook', 'RecipeHook')
# card fields compared with the config (the rest is documentation)
CHECKED = ('total_batch_size', 'optimizer', 'schedule', 'epochs',
           'augmentation', 'student_init', 'ce_weight', 'losses', 'hooks')


# ----------------------------------------------------------------- cards
def load_cards(repo: str = REPO, under: str = 'configs/kd/') -> List[dict]:
    """Every model entry of the metafiles ``model-index.yml`` imports from
    ``under`` (the CIFAR distillation methods, whose cards this module
    checks; the algorithms beyond one teacher check their own), each with
    ``_metafile`` (its path) and ``_collection`` (its collection)."""
    with open(osp.join(repo, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models = []
    for meta_path in index['Import']:
        if not meta_path.startswith(under):
            continue
        with open(osp.join(repo, meta_path)) as f:
            meta = yaml.safe_load(f)
        collections = {c['Name']: c for c in meta.get('Collections', [])}
        for model in meta['Models']:
            model = dict(model)
            model['_metafile'] = meta_path
            model['_collection'] = collections.get(model.get('In Collection'))
            models.append(model)
    return models


def cards_by_config(repo: str = REPO) -> Dict[str, dict]:
    """``{config path relative to the repo: model entry}``."""
    return {model['Config']: model for model in load_cards(repo)}


# ------------------------------------------------- the config's recipe
def _plain(value: Any) -> Any:
    """ConfigDicts and tuples as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def explicit_distiller(distiller: dict) -> dict:
    """The explicit form of a ``ConfigurableDistiller`` config."""
    from mmkd.models.distillers.compact import compact_to_explicit
    distiller = _plain(distiller)
    if distiller.get('student_distill_layer') is not None:
        return compact_to_explicit(distiller['student_distill_layer'],
                                   distiller['teacher_distill_layer'],
                                   distiller['loss'],
                                   distiller.get('weights'),
                                   distiller.get('connectors'))
    return dict(
        student_recorders=distiller.get('student_recorders') or {},
        teacher_recorders=distiller.get('teacher_recorders') or {},
        connectors=distiller.get('connectors') or {},
        distill_losses=distiller.get('distill_losses') or {},
        loss_forward_mappings=distiller.get('loss_forward_mappings') or {})


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
            if key not in ('self', 'loss_weight', 'args', 'kwargs')
            and (hasattr(loss, key) or key in loss_cfg)
            and not isinstance(getattr(loss, key, None), torch.nn.Module)
        }
        entry = dict(
            type=type(loss).__name__,
            weight=loss.loss_weight,
            student=_layer(mapping[first], explicit['student_recorders']),
            teacher=_layer(mapping[second], explicit['teacher_recorders']),
            connector=_connector(mapping[first], explicit['connectors']),
            params=params)
        teacher_connector = _connector(mapping[second],
                                       explicit['connectors'])
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


# ----------------------------------------------------------- comparison
def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) \
            else a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def compare(card: dict, actual: dict) -> List[str]:
    """Where ``actual`` (:func:`config_recipe`) differs from ``card`` (a
    model's ``Metadata.Recipe``); empty when they agree."""
    found = []
    missing = [key for key in CHECKED if key not in card]
    if missing:
        found.append(f'the card lacks {missing}')

    def check(field, want, got):
        if not _same(want, got):
            found.append(f'{field}: card {want!r}, config {got!r}')

    for key in ('total_batch_size', 'optimizer', 'schedule', 'epochs',
                'augmentation', 'student_init', 'ce_weight', 'hooks'):
        if key in card:
            check(key, card[key], actual[key])
    for key, declared in (('total_batch_size', 'declared_total_batch_size'),
                          ('epochs', 'declared_epochs')):
        if key in card:
            check(f'recipe.{key} (declared)', card[key], actual[declared])
    if 'optimizer' in card:
        check('recipe.lr (declared)', card['optimizer'].get('lr'),
              actual['declared_lr'])
    losses = card.get('losses', [])
    if len(losses) != len(actual['losses']):
        found.append(f'losses: the card has {len(losses)}, the config '
                     f'{len(actual["losses"])}: '
                     f'{[x["type"] for x in actual["losses"]]}')
        return found
    for i, (want, got) in enumerate(zip(losses, actual['losses'])):
        for key in ('type', 'weight', 'student', 'teacher', 'connector'):
            check(f'losses[{i}].{key}', want.get(key), got[key])
        check(f'losses[{i}].teacher_connector', want.get('teacher_connector'),
              got.get('teacher_connector'))
        for key, value in (want.get('params') or {}).items():
            check(f'losses[{i}].params.{key}', value,
                  got['params'].get(key, '<not a parameter>'))
    return found


def check_config(path: str, card: Optional[dict] = None,
                 cfg=None) -> List[str]:
    """Mismatches between the config at ``path`` (relative to the repo or
    absolute; or the already loaded ``cfg``) and its card."""
    from mmengine.config import Config
    full = osp.abspath(path) if osp.exists(path) else osp.join(REPO, path)
    rel = osp.relpath(full, REPO)
    if card is None:
        card = cards_by_config().get(rel)
        if card is None:
            return [f'{rel}: no recipe card lists it']
    if cfg is None:
        cfg = Config.fromfile(osp.join(REPO, rel))
    try:
        actual = config_recipe(cfg)
    except Exception as err:  # a config that does not resolve fails too
        return [f'{rel}: cannot read its recipe: {err!r}']
    return [f'{rel}: {m}' for m in compare(card['Metadata']['Recipe'],
                                           actual)]


def iter_checks(repo: str = REPO) -> Iterator[Tuple[str, List[str]]]:
    for config, card in cards_by_config(repo).items():
        yield config, check_config(config, card)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*', help='default: every card')
    args = parser.parse_args()
    results = ([(c, check_config(c)) for c in args.configs]
               if args.configs else list(iter_checks()))
    failed = [m for _, found in results for m in found]
    for message in failed:
        print(message)
    print(f'{len(results)} configs checked, '
          f'{sum(1 for _, f in results if f)} differ from their cards.')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
