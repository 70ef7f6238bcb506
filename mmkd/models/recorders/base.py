"""Recorders capture intermediate tensors of a model during its forward."""
import difflib
from abc import ABCMeta, abstractmethod
from typing import Any, List, Optional

import torch.nn as nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside DDP/DataParallel-style wrappers (``.module``)."""
    while hasattr(model, 'module') and isinstance(model.module, nn.Module) \
            and type(model).__name__.endswith(('DataParallel',
                                               'DistributedDataParallel')):
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
    hint = (f' Did you mean {", ".join(repr(c) for c in close)}?'
            if close else '')
    top = [n for n in names if '.' not in n]
    raise LayerNotFoundError(
        f'The {owner} model ({type(model).__name__}) has no layer named '
        f'{name!r}.{hint} Its top-level layers are: {", ".join(top)}. '
        'All names: mmkd.models.list_layer_names(model).')


class LayerNotFoundError(KeyError):
    """A layer name does not exist in the model."""

    def __str__(self) -> str:
        return str(self.args[0])


def list_layer_names(model: nn.Module) -> List[str]:
    """Every module name of ``model`` (unwrapped) that a recorder accepts."""
    return [n for n, _ in unwrap_model(model).named_modules() if n]


class BaseRecorder(metaclass=ABCMeta):
    """Records data while :attr:`recording` is on.

    Data is kept in :attr:`data` until :meth:`reset` (called every step), so
    nothing outlives a training step.

    Args:
        source (str): What to record: a module name, a method or a function
            path, depending on the recorder.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.recording = False
        self.data: List[Any] = []
        self._initialized = False

    @abstractmethod
    def prepare(self, model: Optional[nn.Module], owner: str) -> None:
        """Attach to ``model`` (resolve the source, install hooks)."""

    def initialize(self, model: Optional[nn.Module] = None,
                   owner: str = 'model') -> None:
        """Attach once; later calls are no-ops."""
        if not self._initialized:
            self.prepare(model, owner)
            self._initialized = True

    def reset(self) -> None:
        """Drop everything recorded so far."""
        self.data.clear()

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
        return item[data_idx]
