"""The command that rebuilds a teacher cache, printed by its errors so that
it runs as printed: the config, ``--out``, the build's settings (draws,
top k, tau, seed, dtype) and its ``--cfg-options``."""
import os.path as osp
import shlex
import shutil
import sys
from typing import Any, Optional

TOOL = 'tools/build_teacher_cache.py'
#: build settings with their command-line flag and the tool's default
_FLAGS = (('draws', '--draws', 10), ('requested_topk', '--topk',
                                     10), ('tau', '--tau', None),
          ('seed', '--seed', 0), ('value_dtype', '--value-dtype', 'float16'))


def _tool_path() -> str:
    """``tools/build_teacher_cache.py`` from the current directory (a
    checkout's root), else its absolute path."""
    if osp.isfile(TOOL):
        return TOOL
    package = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    for root in (osp.dirname(package), osp.join(package, '.mim')):
        if osp.isfile(osp.join(root, TOOL)):
            return osp.join(root, TOOL)
    return TOOL


def _python() -> str:
    """``python`` when that is this interpreter, else its full path."""
    found = shutil.which('python')
    if found and osp.realpath(found) == osp.realpath(sys.executable):
        return 'python'
    return sys.executable


def option_text(key: str, value: Any) -> str:
    """``key=value`` as MMEngine's ``DictAction`` reads it back."""
    if isinstance(value, (list, tuple)):
        inner = ','.join(option_text('', v)[1:] for v in value)
        text = f'[{inner}]' if isinstance(value, list) else f'({inner})'
    else:
        text = str(value)
    return f'{key}={text}'


def rebuild_command(cache_dir: str,
                    header: Optional[dict] = None,
                    config: Optional[str] = None,
                    teacher_ckpt: Optional[str] = None) -> str:
    """The build command for ``cache_dir``: ``config`` (default: the one the
    cache was built from), the settings and ``--cfg-options`` of the
    build in ``header``, with ``model.teacher_ckpt`` set to
    ``teacher_ckpt`` when given."""
    header = header or {}
    built_from = header.get('built_from') or {}
    config = config or built_from.get('config') or 'CONFIG'
    args = [_python(), _tool_path(), config, '--out', cache_dir]
    for key, flag, default in _FLAGS:
        value = header.get(key)
        if value is not None and (value != default or flag == '--draws'):
            args += [
                flag, f'{value:g}' if isinstance(value, float) else str(value)
            ]
    options = dict(built_from.get('cfg_options') or {})
    if teacher_ckpt is not None:
        options.pop('teacher_ckpt', None)
        if teacher_ckpt != built_from.get('teacher_ckpt') or \
                'model.teacher_ckpt' in options:
            options['model.teacher_ckpt'] = teacher_ckpt
    if options:
        args.append('--cfg-options')
        args += [option_text(k, v) for k, v in options.items()]
    return ' '.join(shlex.quote(a) for a in args)


def rebuild_hint(cache_dir: str,
                 header: Optional[dict] = None,
                 config: Optional[str] = None,
                 teacher_ckpt: Optional[str] = None) -> str:
    """``Rebuild it with:`` and the command on its own line (nothing glued
    to it)."""
    note = ''
    if config is None and (header or {}).get('built_from', {}).get('config'):
        note = (' (from the config the cache was built from; name your own '
                'config instead if you train from another)')
    return (f'Rebuild it with{note}:\n    ' +
            rebuild_command(cache_dir, header, config, teacher_ckpt))
