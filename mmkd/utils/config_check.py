"""Early checks of a config's top-level keys."""
import ast
import os.path as osp
import re
from typing import Dict, Iterable, List, Optional, Set

from mmengine.config import Config

# keys MMEngine's Runner.from_cfg and mmkd's tools read
RUNNER_KEYS = ('model', 'work_dir', 'train_dataloader', 'val_dataloader',
               'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg',
               'auto_scale_lr', 'optim_wrapper', 'param_scheduler',
               'val_evaluator', 'test_evaluator', 'default_hooks',
               'custom_hooks', 'data_preprocessor', 'load_from', 'resume',
               'launcher', 'env_cfg', 'log_processor', 'log_level',
               'visualizer', 'default_scope', 'randomness', 'experiment_name',
               'model_wrapper_cfg', 'compile', 'find_unused_parameters',
               'sync_bn', 'runner_type', 'vis_backends', 'train_pipeline',
               'test_pipeline', 'tta_pipeline', 'tta_model', 'dataset_type',
               'data_root', 'load_strict', 'recipe')


class ConfigKeyError(KeyError):
    """A config key is misspelled or malformed."""

    def __str__(self) -> str:  # KeyError would print the repr
        return str(self.args[0])


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (a swap of neighbours counts 1)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(
                min(rows[-1][j] + 1, row[j - 1] + 1,
                    rows[-1][j - 1] + (ca != cb)))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def misspelled_key(key: str, known: Iterable[str]) -> Optional[str]:
    """The known key ``key`` is a typo of, or None.

    A typo is one or two edits away (``train_dataloder``,
    ``optim_warpper``); a name that extends a known one (``train_pipelines``,
    ``data_roots``, ``train_pipeline_tta``) or differs by more is a variable
    of the config's own.
    """
    if key in known or key.startswith('_'):
        return None
    best = None
    for name in known:
        if key.startswith(name) or name.startswith(key):
            continue
        distance = _edit_distance(key, name)
        limit = 1 if len(name) <= 9 else 2
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, name)
    return best[1] if best else None


def check_top_level_keys(cfg: Config,
                         known: Iterable[str] = RUNNER_KEYS) -> None:
    """Refuse top-level keys that look like a misspelled runner key.

    MMEngine silently ignores unknown top-level keys, so ``train_dataloder``
    would only fail much later with a confusing message. The config's own
    variables are left alone (see :func:`misspelled_key`).

    Args:
        cfg (Config): The loaded config.
        known (Iterable[str]): Keys the runner and tools read.

    Raises:
        ConfigKeyError: A key is close to, but not, a known key.
    """
    known = tuple(known)
    for key in cfg.keys():
        close = misspelled_key(key, known)
        if close:
            raise ConfigKeyError(
                f'Config key "{key}" is not a key mmkd or MMEngine reads; '
                f'did you mean "{close}"?')


def register_config_scope() -> None:
    """Let MMEngine resolve ``_base_ = 'mmkd::...'`` in this process.

    An installed mmkd does this at interpreter start-up without importing
    mmkd (``_mmkd_config_scope.py``, through ``mmkd_config_scope.pth``);
    mmkd's tools call it for a source checkout that is only on
    ``sys.path``. Adds ``'mmkd'`` to MMEngine's table of config packages;
    safe to call more than once.
    """
    from mmengine.config.utils import MODULE2PACKAGE

    # as _mmkd_config_scope.PACKAGE, which says why
    MODULE2PACKAGE.setdefault('mmkd', 'mmkd.version')


def resolve_config_path(path: str) -> str:
    """The file behind ``'mmdet::retinanet/...py'``,
    ``'mmseg::pspnet/...py'``, ``'mmkd::kd/...py'`` or a plain path.

    Other scopes (``mmdet::``, ``mmseg::``, ...) are resolved by MMEngine in
    that package's ``.mim/configs``.

    ``mmkd::`` configs are looked up in the installed package
    (``mmkd/.mim/configs``) and then in the source checkout's ``configs/``.

    Raises:
        FileNotFoundError: No such config.
    """
    if path.startswith('mmkd::'):
        rel = path[len('mmkd::'):]
        package_dir = osp.dirname(osp.dirname(osp.abspath(__file__)))
        candidates = [
            osp.join(package_dir, '.mim', 'configs', rel),
            osp.join(osp.dirname(package_dir), 'configs', rel)
        ]
    elif '::' in path:
        candidates = [Config._get_cfg_path(path, '')[0]]
    else:
        candidates = [path]
    for candidate in candidates:
        if osp.isfile(candidate):
            return candidate
    raise FileNotFoundError(f'Config {path!r} does not exist (looked at '
                            f'{", ".join(candidates)}).')


def _config_chain(path: str, seen: List[str]) -> List[str]:
    """``path`` and the files of its ``_base_`` chain (plain paths and
    ``mmkd::`` ones)."""
    path = osp.abspath(path)
    if path in seen or not osp.isfile(path):
        return seen
    seen.append(path)
    try:
        bases = Config._get_base_files(path)
    except Exception:  # noqa: BLE001  unreadable bases fail later, loudly
        bases = []
    for base in bases:
        if base.startswith('mmkd::'):
            try:
                _config_chain(resolve_config_path(base), seen)
            except FileNotFoundError:
                pass
        elif '::' not in base:
            _config_chain(osp.join(osp.dirname(path), base), seen)
    return seen


def _full_chain(path: str, seen: List[str]) -> bool:
    """Add ``path`` and every file of its ``_base_`` chain (package ones
    such as ``mmdet::`` too) to ``seen``; False when one of them could not
    be found or read."""
    path = osp.abspath(path)
    if path in seen:
        return True
    if not osp.isfile(path):
        return False
    seen.append(path)
    try:
        bases = Config._get_base_files(path)
    except Exception:  # noqa: BLE001  unreadable bases fail later, loudly
        return False
    complete = True
    for base in bases:
        try:
            if '::' in base:
                base_path = Config._get_cfg_path(base, path)[0]
            else:
                base_path = osp.join(osp.dirname(path), base)
        except Exception:  # noqa: BLE001  a package that is not installed
            complete = False
            continue
        complete = _full_chain(base_path, seen) and complete
    return complete


def name_reads(config_path: str) -> Optional[Set[str]]:
    """The top-level names the config and its ``_base_`` files read: bare
    names, ``_base_.<name>`` and ``{{_base_.<name>}}``; None when a file of
    the chain could not be read (then any name may be read)."""
    files: List[str] = []
    if not _full_chain(config_path, files):
        return None
    names: Set[str] = set()
    for path in files:
        try:
            with open(path, encoding='utf-8') as f:
                text = f.read()
            tree = ast.parse(text)
        except (OSError, SyntaxError, UnicodeDecodeError):
            return None
        names.update(re.findall(r'\{\{\s*_base_\.(\w+)', text))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(
                    node.value, ast.Name) and node.value.id == '_base_':
                names.add(node.attr)
    return names


def expression_uses(config_path: str) -> Dict[str, List[str]]:
    """Where the config (and its ``_base_`` files) reads each top-level
    name inside the value of a top-level assignment.

    Python configs compute such values when the file is read:
    ``dataset=[{}] * steps_per_epoch`` holds 40 items, not
    ``steps_per_epoch``, so an override of the variable afterwards changes
    nothing.

    Args:
        config_path (str): The config file.

    Returns:
        dict: ``{name: ['<file>:<line> (<assigned key>)', ...]}``.
    """
    uses: Dict[str, List[str]] = {}
    for path in _config_chain(config_path, []):
        try:
            with open(path, encoding='utf-8') as f:
                tree = ast.parse(f.read())
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets, value = [node.target], node.value
            else:
                continue
            if value is None:
                continue
            assigned = ', '.join(ast.unparse(t) for t in targets) or '?'
            where = f'{osp.basename(path)}:{node.lineno} ({assigned})'
            for name in ast.walk(value):
                if isinstance(name, ast.Name) and \
                        isinstance(name.ctx, ast.Load):
                    found = uses.setdefault(name.id, [])
                    if where not in found:
                        found.append(where)
    return uses
