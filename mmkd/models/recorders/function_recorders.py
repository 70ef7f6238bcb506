"""Recorders of method and function return values (patched callables)."""
import functools
import importlib
from typing import Optional

import torch.nn as nn

from mmkd.registry import MODELS
from .base import BaseRecorder, resolve_module


def _recording_wrapper(recorder: BaseRecorder, original):
    """``original`` that also appends its result while ``recorder`` is
    recording."""

    @functools.wraps(original)
    def wrapped(*args, **kwargs):
        outputs = original(*args, **kwargs)
        if recorder.recording:
            recorder.data.append(outputs)
        return outputs

    return wrapped


@MODELS.register_module()
class MethodOutputs(BaseRecorder):
    """Records what a method of one module instance returns.

    ``source`` is ``'<module name>.<method>'`` relative to the model, e.g.
    ``'bbox_head.forward_single'``, or ``'predict'`` for a method of the
    model itself. Only this instance's method is wrapped, so a student
    and a teacher of the same class never record into each other.
    """

    def prepare(self, model: Optional[nn.Module], owner: str) -> None:
        if model is None:
            raise ValueError(f'MethodOutputs needs the model to find '
                             f'{self.source!r} in.')
        module_name, _, method = self.source.rpartition('.')
        module = resolve_module(model, module_name, owner)
        original = getattr(module, method, None)
        if not callable(original):
            raise AttributeError(
                f'MethodOutputs: {type(module).__name__} '
                f'({module_name or "the model"}) of the {owner} model has no '
                f'method {method!r}.')

        setattr(module, method, _recording_wrapper(self, original))
        self.module, self.method, self.original = module, method, original


@MODELS.register_module()
class FunctionOutputs(BaseRecorder):
    """Records what a module-level function returns, e.g.
    ``'mmdet.models.dense_heads.anchor_head.multi_apply'``.

    The function is replaced in the namespace it is looked up in, so give
    the path where the caller finds it (the module that imported it).
    """

    def prepare(self, model: Optional[nn.Module], owner: str) -> None:
        module_path, _, func_name = self.source.rpartition('.')
        try:
            namespace = importlib.import_module(module_path)
        except ImportError as err:
            raise ImportError(
                f'FunctionOutputs: cannot import {module_path!r} from source '
                f'{self.source!r}: {err}') from None
        original = getattr(namespace, func_name, None)
        if not callable(original):
            raise AttributeError(f'FunctionOutputs: {module_path!r} has no '
                                 f'function {func_name!r}.')

        setattr(namespace, func_name, _recording_wrapper(self, original))
        self.namespace, self.original = namespace, original
