"""Recorders capture intermediate tensors of a model during its forward."""
import copy
import difflib
from abc import ABCMeta, abstractmethod
from typing import Any, Callable, List, Optional, Tuple

import torch.nn as nn
from mmengine.model import is_model_wrapper


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside DDP/DataParallel/FSDP-style wrappers.

    Uses MMEngine's ``is_model_wrapper`` (every wrapper registered in its
    ``MODEL_WRAPPERS``, torch's DDP and DataParallel included), so mmkd has
    one notion of a wrapper.
    """
    while is_model_wrapper(model):
        model = model.module
    return model


def resolve_module(model: nn.Module, name: str, owner: str) -> nn.Module:
    """``model.get_submodule(name)`` on the unwrapped model, with a message
    that suggests close names when ``name`` does not exist.

    Args:
        model (nn.Module): The (possibly wrapped) model.
        name (str): Dotted module name, e.g. ``'layer3'`` or
            ``'backbone.layer4'``. A leading ``'module.'`` added by a
            wrapper is accepted.
        owner (str): Who asks, for the message (e.g. ``'student'``).
    """
    model = unwrap_model(model)
    if name.startswith('module.') and not hasattr(model, 'module'):
        name = name[len('module.'):]
    if name == '':
        return model
    names = [n for n, _ in model.named_modules() if n]
    if name in names:
        return model.get_submodule(name)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    output, note = _last_layer(model, name)
    if output is not None:
        close = [output] + [c for c in close if c != output][:2]
    hint = (f' Did you mean {", ".join(repr(c) for c in close)}?'
            if close else '') + note
    top = [n for n in names if '.' not in n]
    raise LayerNotFoundError(
        f'The {owner} model ({type(model).__name__}) has no layer named '
        f'{name!r}.{hint} Its top-level layers are: {", ".join(top)}. '
        'All names: mmkd.models.list_layer_names(model).')


def _last_layer(model: nn.Module, name: str) -> Tuple[Optional[str], str]:
    """For ``'model.77'`` where ``model`` is a numbered container (YOLO's
    ``model.model``) without that index: its last layer, which a YOLO
    model's output (Detect) layer is (``model.24`` of YOLOv5s), and a note
    naming the range."""
    parent, _, index = name.rpartition('.')
    if not index.isdigit():
        return None, ''
    try:
        container = model.get_submodule(parent) if parent else model
    except AttributeError:
        return None, ''
    numbered = [n for n, _ in container.named_children() if n.isdigit()]
    if not numbered:
        return None, ''
    last = max(numbered, key=int)
    full = f'{parent}.{last}' if parent else last
    kind = type(container.get_submodule(last)).__name__
    first = f'{parent}.{min(numbered, key=int)}' if parent else \
        min(numbered, key=int)
    owner = repr(parent) if parent else 'The model'
    return full, (f' {owner} numbers its layers {first!r} to {full!r}; the '
                  f'last is {full!r} ({kind}).')


class LayerNotFoundError(KeyError):
    """A layer name does not exist in the model."""

    def __str__(self) -> str:
        return str(self.args[0])


def list_layer_names(model: nn.Module) -> List[str]:
    """Every module name of ``model`` (unwrapped) that a recorder accepts."""
    return [n for n, _ in unwrap_model(model).named_modules() if n]


class BaseRecorder(metaclass=ABCMeta):
    """Records data while :attr:`recording` is on.

    Lifecycle: :meth:`initialize` attaches the recorder to a model (a hook,
    or a patched method/function), :meth:`reset` drops the records (every
    step, so nothing outlives a training step) and :meth:`teardown` removes
    whatever :meth:`prepare` attached. Listeners added with
    :meth:`add_listener` are called after each record (the teacher's
    early-exit planner uses them).

    Args:
        source (str): What to record: a module name, a method or a function
            path, depending on the recorder.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.recording = False
        self.data: List[Any] = []
        self._initialized = False
        self._listeners: List[Callable[['BaseRecorder'], None]] = []

    @abstractmethod
    def prepare(self, model: Optional[nn.Module], owner: str) -> None:
        """Attach to ``model`` (resolve the source, install hooks)."""

    def remove(self) -> None:
        """Undo :meth:`prepare` (remove hooks, restore patched callables).
        Subclasses that attach something override it."""

    def initialize(self,
                   model: Optional[nn.Module] = None,
                   owner: str = 'model') -> None:
        """Attach once; later calls are no-ops."""
        if not self._initialized:
            self.prepare(model, owner)
            self._initialized = True

    def teardown(self) -> None:
        """Detach from the model and forget the records; the recorder can
        be initialized again afterwards."""
        if self._initialized:
            self.remove()
            self._initialized = False
        self.recording = False
        self.reset()

    def record(self, item: Any) -> None:
        """Keep ``item`` (called by the hook or patch while recording)."""
        self.data.append(item)
        for listener in list(self._listeners):
            listener(self)

    def add_listener(
            self, listener: Callable[['BaseRecorder'],
                                     None]) -> Callable[[], None]:
        """Call ``listener(recorder)`` after each record; returns a function
        that removes it again."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def reset(self) -> None:
        """Drop everything recorded so far."""
        self.data.clear()

    def take(self) -> 'BaseRecorder':
        """Move the records out into a detached copy (reads like this
        recorder, records nothing) and reset this one."""
        taken = copy.copy(self)
        taken.data, taken._listeners, taken.recording = self.data, [], False
        taken._initialized = False  # its teardown must not detach this one
        self.data = []
        return taken

    def get_record_data(self,
                        record_idx: int = 0,
                        data_idx: Optional[int] = None) -> Any:
        """One recorded item.

        Args:
            record_idx (int): Which call (a module may run several times in
                one forward). Defaults to 0.
            data_idx (int, optional): Index into a tuple/list output (or the
                positional inputs). Defaults to None, the whole item.
        """
        if record_idx >= len(self.data):
            hint = ' Was the layer run in forward?'
            if not self.data and type(self).__name__.startswith('Module'):
                hint += (
                    ' A module called as module.forward(x) (as mmdet calls '
                    'bbox_head in tensor mode) skips forward hooks: record '
                    f"it with dict(type='MethodOutputs', "
                    f"source='{self.source}.forward') instead.")
            raise IndexError(
                f'{type(self).__name__}({self.source!r}) recorded '
                f'{len(self.data)} call(s) in this step, but record_idx '
                f'{record_idx} was asked for.{hint}')
        item = self.data[record_idx]
        if data_idx is None:
            return item
        if not isinstance(item, (list, tuple)):
            raise TypeError(
                f'{type(self).__name__}({self.source!r}) recorded a '
                f'{type(item).__name__}, which has no data_idx {data_idx}.')
        if not -len(item) <= data_idx < len(item):
            raise IndexError(
                f'{type(self).__name__}({self.source!r}) recorded a '
                f'{type(item).__name__} of {len(item)} item(s), so data_idx '
                f'{data_idx} is out of range.')
        return item[data_idx]
