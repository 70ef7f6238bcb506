"""Safe unpickling of checkpoints on every torch >= 2.1.

MMEngine 0.10.7 loads checkpoints with a bare ``torch.load``. Since torch 2.6
that means ``weights_only=True``, which rejects what MMEngine itself saves
(numpy arrays and ``HistoryBuffer`` in the message hub, numpy scalars in the
meta data), so ``load_from``, ``--resume`` and teacher checkpoints break.
Passing ``weights_only=False`` would unpickle anything, including code that
runs on load.

:func:`safe_load` resolves only an allow-list of globals: the pieces torch
uses to rebuild tensors, numpy arrays and scalars, builtin containers and
MMEngine's ``HistoryBuffer`` and ``ConfigDict``. Anything else is refused with
:class:`UnsafeCheckpointError` before it can be constructed.

On torch >= 2.6 the allow-list is given to torch's own weights-only
unpickler (``torch.serialization.safe_globals``) for the duration of one
load, so nothing global stays changed. :class:`RestrictedUnpickler`, mmkd's
own unpickler with the same allow-list, remains for

- torch < 2.6, whose allow-list API cannot map a checkpoint's global name to
  another object: needed to hand out a restricted ``getattr`` for
  ``HistoryBuffer``'s statistics methods (a general ``getattr`` lets a
  crafted file reach and mutate any module's globals) and to accept numpy 1
  names (``numpy.core.multiarray``) under numpy 2;
- what torch's unpickler refuses by container type, not by global: items of
  a ``defaultdict`` or a ``deque`` (it fills only ``dict``, ``OrderedDict``,
  ``Counter`` and ``list``). Such a file is read again by the restricted
  unpickler, which checks the same allow-list.

Hooking this into MMEngine's ``CheckpointLoader`` is in
:mod:`mmkd.utils.checkpoint_loader`.
"""
import codecs
import importlib
import io
import os.path as osp
import pickle
import types
import zipfile
from contextlib import contextmanager
from typing import (Any, Callable, Dict, Iterator, List, Optional, Set, Tuple,
                    Union)

import _compat_pickle
import torch
from packaging.version import Version

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

# torch >= 2.6 takes (object, 'module.name') pairs in its allow-list
TORCH_ALLOW_LIST = Version(torch.__version__.split('+')[0]) >= Version('2.6')

# refusals of torch's unpickler that concern a container type, not a global
_TORCH_STRUCTURAL_REFUSALS = ('Can only SETITEM', 'Can only append',
                              'Can only extend', 'Unsupported operand')


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


def _history_buffer_getattr(obj: Any, name: str) -> Any:
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


def _latin1_encode(text: str, encoding: str = 'latin1') -> bytes:
    """``_codecs.encode`` as protocol-2 pickles of bytes call it: latin-1
    only (a pickle has no other use for it)."""
    if codecs.lookup(encoding).name != 'iso8859-1':
        raise UnsafeCheckpointError(
            f'refusing _codecs.encode with encoding {encoding!r}: pickles '
            'only encode bytes as latin-1')
    return codecs.encode(text, 'latin1')


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only allow-listed globals (mmkd's
    one restricted unpickler: checkpoints on torch < 2.6 and the CIFAR
    files use it)."""

    def find_class(self, module: str, name: str) -> Any:
        # protocol-2 pickles name Python-2 modules (__builtin__.set, ...)
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if module == 'builtins' and name == 'getattr':
            return _history_buffer_getattr
        if (module, name) == ('_codecs', 'encode'):
            return _latin1_encode
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


def _numpy_multiarray() -> types.ModuleType:
    try:  # numpy 2; numpy 1 has only numpy.core
        return importlib.import_module('numpy._core.multiarray')
    except ImportError:
        return importlib.import_module('numpy.core.multiarray')


def _resolve(module: str, name: str) -> Any:
    if module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        return getattr(_numpy_multiarray(), name)
    return getattr(importlib.import_module(module), name)


def torch_allow_list() -> List[Tuple[Any, str]]:
    """mmkd's allow-list as ``(object, 'module.name')`` pairs for
    ``torch.serialization.safe_globals`` (torch >= 2.6)."""
    entries = [(_resolve(module, name), f'{module}.{name}')
               for module, name in sorted(_ALLOWED)]
    entries.append((_history_buffer_getattr, 'builtins.getattr'))
    try:
        import numpy.dtypes as np_dtypes  # numpy >= 1.25
        entries += [(getattr(np_dtypes, name), f'numpy.dtypes.{name}')
                    for name in dir(np_dtypes) if name.endswith('DType')]
    except ImportError:
        pass
    entries += [(obj, f'{module}.{name}')
                for (module, name), obj in _USER_ALLOWED.items()]
    return entries


@contextmanager
def _torch_safe_globals() -> Iterator[None]:
    """Add mmkd's allow-list to torch's for the duration of one load, and
    remove exactly what was added (not what the user had added before)."""
    present = set(torch.serialization.get_safe_globals())
    added = [entry for entry in torch_allow_list() if entry not in present]
    with torch.serialization.safe_globals(added):
        yield


def _refusal(message: str) -> str:
    """The reason in torch's weights-only error, without its advice."""
    if 'WeightsUnpickler error:' in message:
        reason = message.split('WeightsUnpickler error:', 1)[1]
    else:  # e.g. "... blocked." between torch's advice paragraphs
        paragraphs = [
            p.strip() for p in message.split('\n\n')
            if p.strip() and not p.strip().startswith(
                ('Weights only load failed', 'Check the documentation'))
        ]
        reason = paragraphs[0] if paragraphs else message
    reason = reason.strip().split('\n', 1)[0].split(' Please use `torch')[0]
    return reason.rstrip('. ')


def _torch_load(file: Any, map_location: Any) -> Any:
    start = None if isinstance(file, (str, bytes)) or \
        hasattr(file, '__fspath__') else file.tell()
    try:
        with _torch_safe_globals():
            return torch.load(
                file, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        reason = _refusal(str(err))
        if not reason.startswith(_TORCH_STRUCTURAL_REFUSALS):
            raise UnsafeCheckpointError(reason) from None
    if start is not None:
        file.seek(start)
    return _restricted_torch_load(file, map_location)


def _restricted_torch_load(file: Any, map_location: Any) -> Any:
    return torch.load(
        file,
        map_location=map_location,
        pickle_module=restricted_pickle,
        weights_only=False)


def safe_load(file: Any, map_location: Any = None) -> Any:
    """Load a file written by ``torch.save`` without running arbitrary code.

    Args:
        file: A path or a readable, seekable binary file object.
        map_location: Same as in :func:`torch.load`. Defaults to None.

    Returns:
        The loaded object (for checkpoints, a dict).

    Raises:
        UnsafeCheckpointError: The file holds an object of a type outside
            the allow-list; nothing from it was constructed.
    """
    try:
        if TORCH_ALLOW_LIST:
            return _torch_load(file, map_location)
        return _restricted_torch_load(file, map_location)
    except UnsafeCheckpointError as err:
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {_describe_source(file)}: {err}. '
            'mmkd only unpickles what PyTorch and MMEngine checkpoints hold '
            '(tensors, numpy arrays, builtin containers, MMEngine '
            'HistoryBuffer), so a file with other objects is not executed. '
            'If you created this file yourself and trust it, allow the type '
            'with mmkd.utils.add_safe_globals(TheType) before loading.'
        ) from None


def safe_load_bytes(data: bytes, map_location: Any = None) -> Any:
    """:func:`safe_load` for a checkpoint held in memory."""
    with io.BytesIO(data) as buffer:
        return safe_load(buffer, map_location=map_location)


# how torch.save(..., _use_new_zipfile_serialization=False) starts: its
# magic number, pickled with protocol 2
LEGACY_MAGIC = b'\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19'


def _legacy_problem(path: str) -> Optional[str]:
    """Why a legacy (non-zip) torch file cannot be read, or None. The
    format has no checksums, so it is read whole, through the safe
    unpickler; a file it refuses as unsafe is left to the load, which says
    so."""
    try:
        safe_load(path, map_location='cpu')
    except UnsafeCheckpointError:
        return None
    except (EOFError, RuntimeError, pickle.UnpicklingError, ValueError,
            OSError) as err:
        reason = str(err).strip() or type(err).__name__
        return ('is truncated or corrupt (a legacy, non-zip torch '
                f'checkpoint: {reason})')
    return None


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` is not a complete checkpoint written by ``torch.save``
    (missing, empty, truncated, corrupt), or None if it is intact.

    Every member's CRC is checked, so a file cut short or damaged anywhere
    is found without unpickling anything. A file in torch's legacy format
    (``_use_new_zipfile_serialization=False``) has no CRCs: it is read
    through the safe unpickler instead.
    """
    if not osp.isfile(path):
        return 'does not exist'
    if osp.getsize(path) == 0:
        return 'is empty'
    with open(path, 'rb') as f:
        if f.read(len(LEGACY_MAGIC)) == LEGACY_MAGIC:
            return _legacy_problem(path)
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        return f'is truncated or not a torch checkpoint ({err})'
    if bad is not None:
        return f'is corrupt (member {bad} fails its CRC check)'
    return None
