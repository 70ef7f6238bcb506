"""What mmkd's tools add to every run: crash-safe checkpoints, a stop at
the first non-finite loss, strict checkpoint loading, and checks of the
work dir and of ``--cfg-options`` before anything is built."""
import os
import os.path as osp
import tempfile
from typing import Any, Iterator, List, Optional, Tuple

from mmengine.config import Config
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop

from mmkd.engine.resume import checkpoint_problem
from mmkd.models.recorders import unwrap_model
from mmkd.models.teacher.checkpoint import (checkpoint_state_dict,
                                            describe_mismatch)
from mmkd.registry import LOOPS
from mmkd.utils.checkpoint_loader import load_checkpoint_safely
from mmkd.utils.config_check import ConfigKeyError, expression_uses, name_reads
from mmkd.utils.errors import CheckpointError


def _hook_types(hooks) -> List[str]:
    return [str(h.get('type', '')) for h in hooks or [] if hasattr(h, 'get')]


def add_run_safety(cfg: Config) -> None:
    """Checkpoints written atomically (``AtomicCheckpointHook`` in place of
    ``CheckpointHook``), a stop at the first NaN/inf loss
    (``FiniteLossHook``, unless the config adds its own) and rank 0's
    buffers for validation under DDP (``BroadcastBuffersHook``)."""
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint is not None and str(
            checkpoint.get('type')).split('.')[-1] == 'CheckpointHook':
        checkpoint.type = 'mmkd.AtomicCheckpointHook'
    hooks = list(cfg.get('custom_hooks', None) or [])
    names = [t.split('.')[-1] for t in _hook_types(hooks)]
    for name in ('FiniteLossHook', 'BroadcastBuffersHook'):
        if name not in names:
            hooks.append(dict(type=f'mmkd.{name}'))
    cfg.custom_hooks = hooks


def check_work_dir(path: str) -> None:
    """Create ``path`` and make sure files can be written there, before
    training burns time."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix='.mmkd-write-'):
            pass
    except OSError as err:
        raise PermissionError(
            f'Cannot write to the work dir {path!r}: {err.strerror}. Choose '
            'another with --work-dir.') from None


def _walk(node: Any, prefix: str = '') -> Iterator[Tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f'{prefix}.{key}' if prefix else key)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{prefix}.{i}')
    else:
        yield prefix, node


def check_overrides(cfg: Config, options: Optional[dict]) -> None:
    """Refuse ``--cfg-options`` that change a top-level variable the config
    has already used (``teacher_ckpt``, ``data_root``, ...): Python configs
    substitute such variables when they are read, so the change would be
    silently ignored. Names the keys to set instead."""
    reads, looked = None, False
    for key, value in (options or {}).items():
        if '.' in key or key not in cfg:
            continue
        if not looked:  # None: a base could not be read, any name may be
            reads = name_reads(cfg.filename) if cfg.filename else None
            looked = True
        if reads is not None and key not in reads:
            continue  # no file reads it: the override is what MMEngine uses
        old = cfg[key]
        if isinstance(old, (dict, list, tuple)) or old is None or \
                isinstance(old, bool) or old == value:
            continue
        used = [
            path for path, leaf in _walk(cfg._cfg_dict.to_dict())
            if path != key and type(leaf) is type(old) and leaf == old
        ]
        if used:
            raise ConfigKeyError(
                f'--cfg-options {key}={value!r} changes a top-level variable '
                f'that the config already used in {", ".join(used[:6])}: '
                'the change would have no effect. Set '
                f'{" and ".join(f"{p}={value!r}" for p in used[:6])} '
                'instead.')
    _check_expression_overrides(cfg, options)


def _check_expression_overrides(cfg: Config, options: Optional[dict]) -> None:
    """Refuse ``--cfg-options`` of a top-level variable that the config
    read inside an expression (``[{}] * steps_per_epoch``)."""
    changed = [
        key for key, value in (options or {}).items()
        if '.' not in key and key in cfg and cfg[key] != value
    ]
    if not changed or not cfg.filename:
        return
    uses = expression_uses(cfg.filename)
    for key in changed:
        where = [w for w in uses.get(key, []) if not w.endswith(f'({key})')]
        if where:
            raise ConfigKeyError(
                f'--cfg-options {key}={options[key]!r} changes a top-level '
                'variable that the config already used in an expression, '
                f'at {", ".join(where[:6])}: its value was computed when the '
                'file was read, so the change would have no effect. Set the '
                'keys computed from it (in parentheses) instead, or edit '
                'the variable in a config that inherits this one.')


def strict_checkpoint_loading(runner, cfg: Config) -> None:
    """Make ``load_from`` and ``--resume`` load strictly: a checkpoint of
    another architecture (or a plain student checkpoint resumed into a
    distillation run) stops the run listing missing and unexpected keys,
    instead of training from random weights. ``load_strict=False`` in the
    config loads what matches."""
    if cfg.get('load_strict', True) is False:
        return
    load = runner.load_checkpoint

    def strict_load(filename, *args, **kwargs):
        kwargs['strict'] = True
        try:
            return load(filename, *args, **kwargs)
        except RuntimeError as err:
            text = str(err)
            if 'missing keys' not in text and 'unexpected key' not in text:
                raise
            model = unwrap_model(runner.model)
            ckpt = load_checkpoint_safely(filename, logger='silent')
            problems = describe_mismatch(model.state_dict(),
                                         checkpoint_state_dict(ckpt))
            raise CheckpointError(
                f'Checkpoint {filename!r} does not match the model '
                f'({type(model).__name__}): ' + '; '.join(problems) +
                '. A model loaded non-strictly would train or test from '
                'random weights, so mmkd stops. Check that the config is '
                'the one the checkpoint was trained with. Only if you want '
                'the weights listed above left at their random initial '
                'values: load_strict=False (--cfg-options '
                'load_strict=False) loads what matches.') from None

    runner.load_checkpoint = strict_load


def usable_checkpoint(path: str, what: str) -> str:
    """``path`` if it is a complete checkpoint; else a CheckpointError that
    names the file and what is wrong with it."""
    if '://' in path:
        return path
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist.')
    problem = checkpoint_problem(path)
    if problem is not None:
        raise CheckpointError(
            f'{what} {path!r} {problem}. If a run was killed while saving '
            'it, resume from an earlier checkpoint (--resume without a path '
            'picks the newest intact one).')
    return path


def _config_files(path: str, seen=None) -> List[str]:
    """``path`` and the files of its ``_base_`` chain (plain paths only)."""
    seen = [] if seen is None else seen
    path = osp.abspath(path)
    if path in seen or not osp.isfile(path):
        return seen
    seen.append(path)
    try:
        bases = Config._get_base_files(path)
    except Exception:  # noqa: BLE001  unreadable bases fail later, loudly
        bases = []
    for base in bases:
        if '::' not in base:
            _config_files(osp.join(osp.dirname(path), base), seen)
    return seen


def resolve_cfg_paths(cfg: Config, config_path: str) -> None:
    """Resolve relative ``cfg_path`` entries of ``cfg.model`` (a student or
    teacher given by its config file) against the config files that could
    name them (the config and its ``_base_`` chain), as ``_base_`` is
    resolved, instead of the current directory."""
    files = _config_files(config_path)

    def visit(node: Any, where: str) -> None:
        if isinstance(node, dict):
            value = node.get('cfg_path')
            if isinstance(value, str) and '::' not in value and \
                    not osp.isabs(value):
                tried = [
                    osp.normpath(osp.join(osp.dirname(f), value))
                    for f in files
                ]
                found = [t for t in tried if osp.isfile(t)]
                if not found:
                    raise FileNotFoundError(
                        f'{where}.cfg_path {value!r} (in {config_path}) '
                        f'does not exist; relative paths are read from the '
                        f'config file that names them: tried '
                        f'{", ".join(dict.fromkeys(tried))}.')
                node['cfg_path'] = found[0]
            for key, child in node.items():
                visit(child, f'{where}.{key}')

    if cfg.get('model') is not None:
        visit(cfg.model, 'model')


def check_train_loop(cfg: Config) -> None:
    """Let ``train_cfg.type`` replace a base config's ``by_epoch``.

    MMEngine refuses a ``train_cfg`` with both, which a config (or
    ``--cfg-options train_cfg.type=...``) that picks a loop type on a base
    with ``by_epoch=True`` gets. When the loop is of the kind ``by_epoch``
    says (epoch- or iteration-based), ``by_epoch`` is dropped; when they
    disagree, a short error says so.

    Raises:
        ConfigKeyError: ``by_epoch`` contradicts the loop type.
    """
    train_cfg = cfg.get('train_cfg')
    if not isinstance(train_cfg, dict) or 'type' not in train_cfg or \
            'by_epoch' not in train_cfg:
        return
    loop = train_cfg['type']
    if isinstance(loop, str):
        loop = LOOPS.get(loop)
    if not isinstance(loop, type):
        return  # MMEngine names an unknown loop type itself
    by_epoch = train_cfg['by_epoch']
    if (by_epoch is True and issubclass(loop, EpochBasedTrainLoop)) or (
            by_epoch is False and issubclass(loop, IterBasedTrainLoop)):
        train_cfg.pop('by_epoch')  # it says what the loop type says
        return
    raise ConfigKeyError(
        f'train_cfg sets type={train_cfg["type"]!r} and by_epoch='
        f'{by_epoch!r} (from the base config?), which disagree. Drop '
        'by_epoch: train_cfg = dict(_delete_=True, type=..., max_epochs=... '
        'or max_iters=..., val_interval=...).')
