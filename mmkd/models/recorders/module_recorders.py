"""Recorders of module outputs and inputs (forward hooks)."""
from typing import Optional

import torch.nn as nn

from mmkd.registry import MODELS
from .attachments import add_forward_hook
from .base import BaseRecorder, resolve_module


class _ModuleRecorder(BaseRecorder):
    """Installs a forward hook on the module named ``source``."""

    def prepare(self, model: Optional[nn.Module], owner: str) -> None:
        if model is None:
            raise ValueError(f'{type(self).__name__} needs the model to find '
                             f'{self.source!r} in.')
        self.module = resolve_module(model, self.source, owner)
        self.handle = add_forward_hook(self.module, self._hook)

    @property
    def hooked_module(self) -> nn.Module:
        """The module whose forward hook records."""
        return self.module

    def remove(self) -> None:
        self.handle.remove()
        del self.handle, self.module

    def _hook(self, module, inputs, outputs) -> None:
        if self.recording:
            self.record(self._select(inputs, outputs))

    def _select(self, inputs, outputs):
        raise NotImplementedError


@MODELS.register_module()
class ModuleOutputs(_ModuleRecorder):
    """Records the output of a module (e.g. ``'layer3'`` or
    ``'neck'``)."""

    def _select(self, inputs, outputs):
        return outputs


@MODELS.register_module()
class ModuleInputs(_ModuleRecorder):
    """Records the positional inputs of a module, as a tuple (select one
    with ``data_idx``)."""

    def _select(self, inputs, outputs):
        return inputs
