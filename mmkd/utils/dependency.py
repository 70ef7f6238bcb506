"""Checks that the installed OpenMMLab stack is one mmkd works with.

Each failed check raises an error that says what is wrong and the exact
command that fixes it, instead of an obscure failure deep inside a
dependency later on.
"""
import importlib.util
from typing import Optional

from packaging.version import Version

# name -> (minimum inclusive, maximum exclusive); None means unbounded
SUPPORTED = {
    'torch': ('2.1.0', None),
    'mmengine': ('0.10.7', '1.0.0'),
    'mmcv': ('2.1.0', '2.2.0'),
}

MMCV_OPS_FIX = (
    "pip uninstall -y mmcv && pip install 'setuptools<82' ninja numpy && "
    'MMCV_WITH_OPS=1 pip install --no-build-isolation mmcv==2.1.0')


class DependencyError(ImportError):
    """An installed dependency is missing, too old or built without a part
    mmkd needs."""


def _installed_version(module) -> Version:
    return Version(str(module.__version__).split('+')[0])


def check_version(name: str, module, minimum: str,
                  maximum: Optional[str]) -> None:
    """Raise :class:`DependencyError` if ``module`` is outside the range.

    Args:
        name (str): Package name, used in the message.
        module: The imported module, which has ``__version__``.
        minimum (str): Lowest supported version, inclusive.
        maximum (str, optional): First unsupported version, exclusive.
    """
    version = _installed_version(module)
    too_new = maximum is not None and version >= Version(maximum)
    if version < Version(minimum) or too_new:
        wanted = f'>={minimum}' + (f',<{maximum}' if maximum else '')
        pin = 'mmcv==2.1.0' if name == 'mmcv' else f'{name}{wanted}'
        how = (MMCV_OPS_FIX if name == 'mmcv' else f"pip install '{pin}'")
        raise DependencyError(
            f'mmkd needs {name}{wanted}, but {name} {module.__version__} is '
            f'installed. Fix: {how}  (or run `make setup` in the mmkd '
            'source tree).')


def mmcv_ops_problem() -> Optional[str]:
    """Why mmcv's compiled extension ``mmcv._ext`` is unusable, or None."""
    if importlib.util.find_spec('mmcv._ext') is None:
        return ('mmcv is installed without its compiled ops (mmcv._ext is '
                'missing), so mmdet and mmseg models cannot be built. This '
                'happens when mmcv is installed with build isolation or '
                'without MMCV_WITH_OPS=1.')
    try:
        importlib.import_module('mmcv._ext')
    except ImportError as err:
        return (f'mmcv\'s compiled ops fail to load ({err}); they were '
                'probably built against another torch version than the '
                'installed one and must be rebuilt.')
    return None


def check_dependencies() -> None:
    """Check torch, mmengine and mmcv (version and compiled ops)."""
    import mmcv
    import mmengine
    import torch

    for name, module in (('torch', torch), ('mmengine', mmengine),
                         ('mmcv', mmcv)):
        check_version(name, module, *SUPPORTED[name])
    problem = mmcv_ops_problem()
    if problem is not None:
        raise DependencyError(
            f'{problem} Fix (about 30 min on 2 CPU cores the first time; pip '
            f'caches the built wheel): {MMCV_OPS_FIX}')
