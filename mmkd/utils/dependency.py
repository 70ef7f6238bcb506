"""Checks that the installed OpenMMLab stack is one mmkd works with.

``import mmkd`` checks nothing and needs neither mmcv nor its compiled ops:
the core (plain-PyTorch ``Distiller``, CIFAR classifiers) only needs torch and
MMEngine. Detection and segmentation need mmcv with ops and mmdet/mmseg;
:func:`check_task_dependencies` checks them when an mmdet or mmseg model is
first built (mmkd's registries call it) and raises :class:`DependencyError`
with the command that fixes the problem, instead of an obscure failure deep
inside a dependency later on.
"""
import functools
import importlib
import importlib.util
from typing import Optional, Tuple

from packaging.version import Version

# name -> (minimum inclusive, maximum exclusive); None means unbounded
SUPPORTED = {
    'torch': ('2.1.0', None),
    'mmengine': ('0.10.7', '1.0.0'),
    'mmcv': ('2.1.0', '2.2.0'),
    'mmdet': ('3.3.0', '3.4.0'),
    'mmseg': ('1.2.2', '1.3.0'),
}
# import name -> pip name, where they differ
PIP_NAMES = {'mmseg': 'mmsegmentation'}
# what each task scope needs beyond the core, and mmkd's extra that has it
TASK_REQUIREMENTS = {
    'mmdet': dict(modules=('mmcv', 'mmdet'), extra='det'),
    'mmseg': dict(modules=('mmcv', 'mmseg', 'ftfy', 'regex'), extra='seg'),
}

MMCV_OPS_FIX = (
    "pip uninstall -y mmcv && pip install 'setuptools<82' ninja numpy && "
    'MMCV_WITH_OPS=1 pip install --no-build-isolation mmcv==2.1.0')


class DependencyError(ImportError):
    """An installed dependency is missing, too old or built without a part
    mmkd needs."""


def _installed_version(module) -> Version:
    return Version(str(module.__version__).split('+')[0])


def _wanted(minimum: str, maximum: Optional[str]) -> str:
    return f'>={minimum}' + (f',<{maximum}' if maximum else '')


def _fix_command(name: str) -> str:
    if name == 'mmcv':
        return MMCV_OPS_FIX
    pip_name = PIP_NAMES.get(name, name)
    if name in SUPPORTED:
        return f"pip install '{pip_name}{_wanted(*SUPPORTED[name])}'"
    return f'pip install {pip_name}'


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
        raise DependencyError(
            f'mmkd needs {name}{_wanted(minimum, maximum)}, but {name} '
            f'{module.__version__} is installed. Fix: {_fix_command(name)}  '
            '(or run `make setup` in the mmkd source tree).')


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


def _missing(modules: Tuple[str, ...]) -> Tuple[str, ...]:
    return tuple(
        name for name in modules if importlib.util.find_spec(name) is None)


def check_core_dependencies() -> None:
    """Check the versions of torch and MMEngine, all the core needs."""
    import mmengine
    import torch
    for name, module in (('torch', torch), ('mmengine', mmengine)):
        check_version(name, module, *SUPPORTED[name])


def check_task_dependencies(scope: str) -> None:
    """Check what building models of an OpenMMLab task scope needs.

    For ``'mmdet'``: mmcv (version, compiled ops) and mmdet; for
    ``'mmseg'``: mmcv (version, compiled ops), mmsegmentation, ftfy and
    regex; torch and MMEngine for both. A success is remembered, so calling
    it before every build costs nothing. Other scopes (``'mmkd'``,
    ``'mmengine'``, ...) need only the core and pass.

    Args:
        scope (str): The registry scope, ``'mmdet'`` or ``'mmseg'``.

    Raises:
        DependencyError: Something is missing, has an unsupported version
            or mmcv lacks its compiled ops; the message has the command
            that fixes it.
    """
    if scope in TASK_REQUIREMENTS:
        _check_task_once(scope)


@functools.lru_cache(maxsize=None)  # caches successes; failures re-raise
def _check_task_once(scope: str) -> None:
    check_core_dependencies()
    needs = TASK_REQUIREMENTS[scope]
    missing = _missing(needs['modules'])
    if missing:
        fixes = [MMCV_OPS_FIX] if 'mmcv' in missing else []
        fixes.append(f"pip install 'mmkd[{needs['extra']}]'")
        raise DependencyError(
            f'{scope} models need {", ".join(missing)}, which '
            f'{"is" if len(missing) == 1 else "are"} not installed (mmkd '
            f'installed without its "{needs["extra"]}" extra?). Fix: '
            f'{" && ".join(fixes)}  (mmcv first: it must be built with its '
            'ops, about 30 min on 2 CPU cores the first time; or run '
            '`make setup` in the mmkd source tree).')
    mmcv = importlib.import_module('mmcv')
    check_version('mmcv', mmcv, *SUPPORTED['mmcv'])
    problem = mmcv_ops_problem()
    if problem is not None:
        raise DependencyError(
            f'{problem} Fix (about 30 min on 2 CPU cores the first time; pip '
            f'caches the built wheel): {MMCV_OPS_FIX}')
    # the package's version only: importing mmdet.models takes seconds
    package = importlib.import_module(scope)
    check_version(scope, package, *SUPPORTED[scope])
