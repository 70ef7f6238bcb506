"""What mmkd attaches to a user's module stays out of its pickles.

Recorders and the teacher's early exit put forward hooks and patched
methods on the user's modules. A whole-model save (``torch.save(model)``,
``copy.deepcopy(model)``, as YOLOv5 saves) must neither carry them (loading
would need mmkd and would bring the hooks back) nor fail on them (local
closures do not pickle). So every attachment goes through this file, which
keeps, on each module it touched, a guard as the instance's
``__getstate__``: pickling calls it instead of the class's, and it returns
the class's state without mmkd's hooks, with the original methods, and
without itself. The guard goes away with the last attachment.
``state_dict()`` is not involved: hooks and methods are never in it.
"""
import weakref
from typing import Any, Callable, Dict, Set, Tuple

import torch.nn as nn

_GETSTATE = '__getstate__'
_HOOK_DICTS = ('_forward_hooks', '_forward_hooks_with_kwargs',
               '_forward_hooks_always_called', '_forward_pre_hooks',
               '_forward_pre_hooks_with_kwargs')
_ABSENT = object()


class _PickleGuard:
    """A module's state for pickling, less what mmkd attached to it."""

    def __init__(self, module: nn.Module, previous: Any) -> None:
        self.module_ref = weakref.ref(module)
        self.previous = previous  # an instance __getstate__ found there
        self.hook_ids: Set[int] = set()
        # patched attribute -> value to pickle instead (_ABSENT: none)
        self.attributes: Dict[str, Any] = {}

    def __call__(self) -> Any:
        module = self.module_ref()
        state = self.previous() if self.previous is not None else \
            type(module).__getstate__(module)
        slots = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
        if not isinstance(state, dict):
            return state if slots is None else (state, slots)
        state = dict(state)
        state.pop(_GETSTATE, None)
        for name in _HOOK_DICTS:
            hooks = state.get(name)
            if hooks and any(key in self.hook_ids for key in hooks):
                state[name] = type(hooks)((key, value)
                                          for key, value in hooks.items()
                                          if key not in self.hook_ids)
        for name, original in self.attributes.items():
            if original is _ABSENT:
                state.pop(name, None)
            else:
                state[name] = original
        return state if slots is None else (state, slots)

    def empty(self) -> bool:
        return not self.hook_ids and not self.attributes


def _guard(module: nn.Module) -> _PickleGuard:
    current = module.__dict__.get(_GETSTATE)
    if isinstance(current, _PickleGuard):
        return current
    guard = _PickleGuard(module, current)
    module.__dict__[_GETSTATE] = guard
    return guard


def _release(module: nn.Module, guard: _PickleGuard) -> None:
    if guard.empty() and module.__dict__.get(_GETSTATE) is guard:
        if guard.previous is None:
            del module.__dict__[_GETSTATE]
        else:
            module.__dict__[_GETSTATE] = guard.previous


class AttachedHook:
    """Handle of a hook added by :func:`add_forward_hook`."""

    def __init__(self, module: nn.Module, handle: Any,
                 guard: _PickleGuard) -> None:
        self.module_ref = weakref.ref(module)
        self.handle = handle
        self.guard = guard

    def remove(self) -> None:
        """Remove the hook (and the module's guard with its last hook)."""
        self.handle.remove()
        self.guard.hook_ids.discard(self.handle.id)
        module = self.module_ref()
        if module is not None:
            _release(module, self.guard)


def add_forward_hook(module: nn.Module, hook: Callable[...,
                                                       Any]) -> AttachedHook:
    """``module.register_forward_hook(hook)``, kept out of the module's
    pickles. Remove it with the returned handle's ``remove()``."""
    handle = module.register_forward_hook(hook)
    guard = _guard(module)
    guard.hook_ids.add(handle.id)
    return AttachedHook(module, handle, guard)


def patch_attribute(module: nn.Module, name: str,
                    value: Any) -> Tuple[bool, Any]:
    """Set ``module.<name>`` (a patched method) on the instance, kept out
    of its pickles (they hold the original). Returns whether the instance
    had its own attribute, and the value found (put it back with
    :func:`restore_attribute`)."""
    own = name in vars(module)
    original = getattr(module, name)
    guard = _guard(module)
    guard.attributes.setdefault(name,
                                module.__dict__[name] if own else _ABSENT)
    setattr(module, name, value)
    return own, original


def restore_attribute(module: nn.Module, name: str, own: bool,
                      original: Any) -> None:
    """Undo :func:`patch_attribute`: put ``original`` back on the instance
    (``own``) or delete the instance attribute."""
    if own:
        setattr(module, name, original)
    else:
        delattr(module, name)
    guard = module.__dict__.get(_GETSTATE)
    if isinstance(guard, _PickleGuard):
        guard.attributes.pop(name, None)
        _release(module, guard)
