"""Recorders of method and function return values (patched callables).

A callable is patched once, however many recorders record it: the patch
keeps the list of its recorders, and the original comes back when the last
of them is torn down, in any order (two distillers may record the same
function, e.g. ``torch.nn.functional.relu``).
"""
import functools
import importlib
from typing import Any, Optional

import torch.nn as nn

from mmkd.registry import MODELS
from .attachments import patch_attribute, restore_attribute
from .base import BaseRecorder, resolve_module

_RECORDERS = '__mmkd_recorders__'


def attach_recorder(owner: Any, name: str, recorder: BaseRecorder) -> None:
    """Make ``owner.<name>`` (a method of an instance, or a function of a
    module namespace) record its results into ``recorder``."""
    current = getattr(owner, name)
    if not hasattr(current, _RECORDERS):
        original = current
        # an instance method lives on the class: restoring means deleting
        # the instance attribute; a namespace function is put back
        own_attribute = name in vars(owner)

        @functools.wraps(original)
        def patched(*args, **kwargs):
            outputs = original(*args, **kwargs)
            for rec in list(getattr(patched, _RECORDERS)):
                if rec.recording:
                    rec.record(outputs)
            return outputs

        setattr(patched, _RECORDERS, [])
        patched.__mmkd_original__ = (original, own_attribute)
        if isinstance(owner, nn.Module):  # kept out of the model's pickles
            patch_attribute(owner, name, patched)
        else:
            setattr(owner, name, patched)
        current = patched
    getattr(current, _RECORDERS).append(recorder)


def detach_recorder(owner: Any, name: str, recorder: BaseRecorder) -> None:
    """Undo :func:`attach_recorder`; the original callable is restored
    once no recorder uses the patch."""
    current = getattr(owner, name, None)
    recorders = getattr(current, _RECORDERS, None)
    if recorders is None or recorder not in recorders:
        return  # replaced by someone else meanwhile: leave it alone
    recorders.remove(recorder)
    if not recorders:
        original, own_attribute = current.__mmkd_original__
        if isinstance(owner, nn.Module):
            restore_attribute(owner, name, own_attribute, original)
        elif own_attribute:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


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
        if not callable(getattr(module, method, None)):
            raise AttributeError(
                f'MethodOutputs: {type(module).__name__} '
                f'({module_name or "the model"}) of the {owner} model has no '
                f'method {method!r}.')
        attach_recorder(module, method, self)
        self.module, self.method = module, method

    def remove(self) -> None:
        detach_recorder(self.module, self.method, self)
        del self.module


@MODELS.register_module()
class FunctionOutputs(BaseRecorder):
    """Records what a module-level function returns, e.g.
    ``'mmdet.models.dense_heads.anchor_head.multi_apply'``.

    The function is replaced in the namespace it is looked up in, so give
    the path where the caller finds it (the module that imported it). It is
    restored when the recorder is torn down.
    """

    def prepare(self, model: Optional[nn.Module], owner: str) -> None:
        module_path, _, func_name = self.source.rpartition('.')
        try:
            namespace = importlib.import_module(module_path)
        except ImportError as err:
            raise ImportError(
                f'FunctionOutputs: cannot import {module_path!r} from source '
                f'{self.source!r}: {err}') from None
        if not callable(getattr(namespace, func_name, None)):
            raise AttributeError(f'FunctionOutputs: {module_path!r} has no '
                                 f'function {func_name!r}.')
        attach_recorder(namespace, func_name, self)
        self.namespace, self.func_name = namespace, func_name

    def remove(self) -> None:
        detach_recorder(self.namespace, self.func_name, self)
        del self.namespace
