"""A named group of recorders that switch on and off together."""
from contextlib import contextmanager
from typing import Dict, Optional

import torch.nn as nn

from mmkd.registry import MODELS
from .base import BaseRecorder


class RecorderManager:
    """Builds recorders from configs and drives them as one.

    Args:
        recorders (dict, optional): ``{name: recorder config}``.
    """

    def __init__(self, recorders: Optional[Dict[str, dict]] = None) -> None:
        self.recorders: Dict[str, BaseRecorder] = {}
        for name, cfg in (recorders or {}).items():
            recorder = MODELS.build(cfg) if isinstance(cfg, dict) else cfg
            if not isinstance(recorder, BaseRecorder):
                raise TypeError(f'Recorder {name!r} must be a recorder '
                                f'(ModuleOutputs, ...), got {type(recorder)}.')
            self.recorders[name] = recorder

    def initialize(self, model: nn.Module, owner: str) -> None:
        """Attach every recorder to ``model`` (resolving names on it)."""
        for recorder in self.recorders.values():
            recorder.initialize(model, owner)

    def teardown(self) -> None:
        """Detach every recorder (hooks removed, patches restored)."""
        for recorder in self.recorders.values():
            recorder.teardown()

    @contextmanager
    def recording(self):
        """Record inside the ``with`` block only."""
        for recorder in self.recorders.values():
            recorder.recording = True
        try:
            yield self
        finally:
            for recorder in self.recorders.values():
                recorder.recording = False

    def reset(self) -> None:
        """Drop all recorded data."""
        for recorder in self.recorders.values():
            recorder.reset()

    def __getitem__(self, name: str) -> BaseRecorder:
        return self.recorders[name]

    def __contains__(self, name: str) -> bool:
        return name in self.recorders

    def __iter__(self):
        return iter(self.recorders)

    def items(self):
        return self.recorders.items()
