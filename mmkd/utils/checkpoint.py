"""Safe checkpoint loading for torch >= 2.6 (and every torch >= 2.1).

MMEngine 0.10.7 loads checkpoints with a bare ``torch.load``. Since torch 2.6
that means ``weights_only=True``, which rejects what MMEngine itself saves
(numpy arrays and ``HistoryBuffer`` in the message hub, ``Counter`` in
scheduler states), so ``load_from``, ``--resume`` and teacher checkpoints
break. Passing ``weights_only=False`` would unpickle anything, including code
that runs on load.

mmkd loads checkpoints with an unpickler that only resolves an allow-list of
globals: the pieces torch uses to rebuild tensors, numpy arrays and scalars,
builtin containers and MMEngine's ``HistoryBuffer``. Anything else is refused
with :class:`UnsafeCheckpointError` before it can be constructed.
:func:`install_safe_checkpoint_loader` makes MMEngine's ``CheckpointLoader``
use it for local files and URLs.
"""
import _compat_pickle
import os
import os.path as osp
import pickle
import types
from typing import Any, Callable, Dict, Optional, Set, Tuple, Union

import torch

_TORCH_REBUILDERS = {
    '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3',
    '_rebuild_parameter', '_rebuild_parameter_with_state',
    '_rebuild_device_tensor_from_numpy', '_rebuild_meta_tensor_no_storage',
    '_rebuild_qtensor', '_rebuild_sparse_tensor', '_rebuild_nested_tensor',
    '_rebuild_wrapper_subclass'
}

_ALLOWED: Set[Tuple[str, str]] = {
    ('collections', 'OrderedDict'),
    ('collections', 'defaultdict'),
    ('collections', 'Counter'),
    ('collections', 'deque'),
    ('builtins', 'set'),
    ('builtins', 'frozenset'),
    ('builtins', 'slice'),
    ('builtins', 'complex'),
    ('builtins', 'bytearray'),
    ('builtins', 'list'),
    ('builtins', 'dict'),
    ('builtins', 'tuple'),
    ('builtins', 'int'),
    ('builtins', 'float'),
    ('builtins', 'str'),
    ('builtins', 'bool'),
    ('builtins', 'object'),
    # protocol 2 pickles bytes as _codecs.encode(str, 'latin1')
    ('_codecs', 'encode'),
    # protocol < 2 objects; the class it builds must be allowed too
    ('copyreg', '_reconstructor'),
    ('torch', 'Size'),
    ('torch', 'device'),
    ('torch', 'Tensor'),
    ('torch._tensor', '_rebuild_from_type_v2'),
    ('torch.nn.parameter', 'Parameter'),
    ('torch.serialization', '_get_layout'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', 'scalar'),
    ('mmengine.logging.history_buffer', 'HistoryBuffer'),
    ('mmengine.config.config', 'ConfigDict'),
}
_USER_ALLOWED: Dict[Tuple[str, str], Any] = {}

_TORCH_ENUM_TYPES = (torch.dtype, torch.layout, torch.memory_format)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds an object outside mmkd's allow-list."""


def add_safe_globals(*objects: Union[type, Callable]) -> None:
    """Allow more classes or functions in checkpoints mmkd loads.

    Only add types you trust: unpickling calls them with data from the file.

    Args:
        *objects: Classes or functions, e.g. a custom dataclass that your
            own hook stores in the checkpoint.
    """
    for obj in objects:
        key = (obj.__module__, obj.__qualname__)
        _USER_ALLOWED[key] = obj


def is_allowed_global(module: str, name: str) -> bool:
    """Whether ``module.name`` may be resolved while loading a checkpoint."""
    if (module, name) in _ALLOWED or (module, name) in _USER_ALLOWED:
        return True
    if module == 'torch._utils' and name in _TORCH_REBUILDERS:
        return True
    if module == 'torch' and isinstance(
            getattr(torch, name, None), _TORCH_ENUM_TYPES):
        return True  # dtypes, layouts and memory formats such as float32
    if module == 'numpy.dtypes' and name.endswith('DType'):
        return True
    return False


def _describe_source(source: Any) -> str:
    if isinstance(source, (str, bytes)) or hasattr(source, '__fspath__'):
        return f"'{source}'"
    return f"'{getattr(source, 'name', 'in-memory file')}'"


def _bound_method_getattr(obj: Any, name: str) -> Any:
    """The ``getattr`` that checkpoints may call: only to fetch a public
    method of MMEngine's ``HistoryBuffer`` (class or instance), which keeps
    its statistics methods in its state. A general ``getattr`` would
    let a crafted file walk from any allowed object to ``os.system``."""
    from mmengine.logging import HistoryBuffer
    if (obj is HistoryBuffer or isinstance(obj, HistoryBuffer)) and \
            isinstance(name, str) and \
            not name.startswith('_') and callable(getattr(obj, name, None)):
        return getattr(obj, name)
    raise UnsafeCheckpointError(
        f'refusing getattr({type(obj).__name__}, {name!r})')


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only allow-listed globals."""

    def find_class(self, module: str, name: str) -> Any:
        # protocol-2 pickles name Python-2 modules (__builtin__.set, ...)
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if module == 'builtins' and name == 'getattr':
            return _bound_method_getattr
        if is_allowed_global(module, name):
            return super().find_class(module, name)
        raise UnsafeCheckpointError(
            f'refusing to load the global "{module}.{name}"')


def _restricted_load(file, **kwargs) -> Any:
    return RestrictedUnpickler(file, **kwargs).load()


# torch.load accepts any object with Unpickler and load as pickle_module
restricted_pickle = types.SimpleNamespace(
    __name__='mmkd.utils.checkpoint.restricted_pickle',
    Unpickler=RestrictedUnpickler,
    load=_restricted_load)


def safe_load(file: Any, map_location: Any = None) -> Any:
    """Load a file written by ``torch.save`` without running arbitrary code.

    Args:
        file: A path or a readable binary file object.
        map_location: Same as in :func:`torch.load`. Defaults to None.

    Returns:
        The loaded object (for checkpoints, a dict).

    Raises:
        UnsafeCheckpointError: The file holds an object of a type outside
            the allow-list; nothing from it was constructed.
    """
    try:
        return torch.load(
            file,
            map_location=map_location,
            pickle_module=restricted_pickle,
            weights_only=False)
    except UnsafeCheckpointError as err:
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {_describe_source(file)}: {err}. '
            'mmkd only unpickles what PyTorch and MMEngine checkpoints hold '
            '(tensors, numpy arrays, builtin containers, MMEngine '
            'HistoryBuffer), so a file with other objects is not executed. '
            'If you created this file yourself and trust it, allow the type '
            'with mmkd.utils.add_safe_globals(TheType) before loading.'
        ) from None


def load_from_local(filename: str, map_location: Optional[Any] = None) -> Any:
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file {filename} does not exist.')
    return safe_load(filename, map_location=map_location)


def load_from_http(filename: str, map_location: Optional[Any] = None) -> Any:
    from torch.hub import download_url_to_file, get_dir
    cache_dir = osp.join(get_dir(), 'checkpoints')
    os.makedirs(cache_dir, exist_ok=True)
    cached = osp.join(cache_dir, osp.basename(filename.split('?')[0]))
    if not osp.isfile(cached):
        download_url_to_file(filename, cached, progress=True)
    return safe_load(cached, map_location=map_location)


def install_safe_checkpoint_loader() -> None:
    """Make MMEngine load local and http(s) checkpoints through
    :func:`safe_load`; safe to call more than once."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=load_from_http, force=True)
