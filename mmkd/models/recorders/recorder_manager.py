"""A named group of recorders that switch on and off together."""
import difflib
from contextlib import contextmanager
from typing import Dict, Mapping, Optional, Union

import torch.nn as nn

from mmkd.registry import MODELS
from .base import BaseRecorder


class RecorderManager:
    """Builds recorders from configs and drives them as one.

    With several teachers, a recorder config names the teacher it records
    (``dict(type='ModuleOutputs', source='linear', teacher='t1')``) and
    :meth:`initialize` takes ``{teacher name: model}``; :meth:`subset`
    gives the recorders of one teacher.

    Args:
        recorders (dict, optional): ``{name: recorder config}``.
    """

    def __init__(self, recorders: Optional[Dict[str, dict]] = None) -> None:
        self.recorders: Dict[str, BaseRecorder] = {}
        self.owners: Dict[str, Optional[str]] = {}
        for name, cfg in (recorders or {}).items():
            owner = None
            if isinstance(cfg, dict):
                cfg = dict(cfg)
                owner = cfg.pop('teacher', None)
            recorder = MODELS.build(cfg) if isinstance(cfg, dict) else cfg
            if not isinstance(recorder, BaseRecorder):
                raise TypeError(f'Recorder {name!r} must be a recorder '
                                f'(ModuleOutputs, ...), got {type(recorder)}.')
            self.recorders[name] = recorder
            self.owners[name] = owner

    def initialize(self, model: Union[nn.Module, Mapping[str, nn.Module]],
                   owner: str) -> None:
        """Attach every recorder to ``model`` (resolving names on it), or,
        given ``{teacher name: model}``, to the teacher it names."""
        for name, recorder in self.recorders.items():
            target = model
            if isinstance(model, Mapping):
                key = self.owners[name]
                if key not in model:
                    close = difflib.get_close_matches(str(key), list(model))
                    raise KeyError(
                        f'Recorder {name!r} records teacher {key!r}, but the '
                        f'teachers are {sorted(model)}' +
                        (f' (did you mean {close[0]!r}?)' if close else '') +
                        ". Name one with teacher='...' (compact form: "
                        "'<teacher>/<layer>').")
                target, owner_name = model[key], f'{owner} {key!r}'
            elif self.owners[name] is not None:
                raise KeyError(
                    f'Recorder {name!r} names teacher '
                    f'{self.owners[name]!r}, but there is one teacher; drop '
                    "the '<teacher>/' prefix (or teacher=...).")
            else:
                owner_name = owner
            recorder.initialize(target, owner_name)

    def subset(self, owner: Optional[str]) -> 'RecorderManager':
        """A manager over the recorders of one teacher (same objects)."""
        part = RecorderManager()
        for name, recorder in self.recorders.items():
            if self.owners[name] == owner:
                part.recorders[name] = recorder
                part.owners[name] = owner
        return part

    def teardown(self) -> None:
        """Detach every recorder (hooks removed, patches restored)."""
        for recorder in self.recorders.values():
            recorder.teardown()

    def take(self) -> 'RecorderManager':
        """Move all records out into a detached manager (see
        :meth:`BaseRecorder.take`); this one is reset."""
        taken = RecorderManager()
        taken.recorders = {n: r.take() for n, r in self.recorders.items()}
        taken.owners = dict(self.owners)
        return taken

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
