"""Stopping a teacher's forward once it produced every recorded tensor."""
from contextlib import contextmanager
from typing import Callable, Dict, List, Optional

from ..recorders import BaseRecorder, RecorderManager, add_forward_hook


class TeacherExit(BaseException):
    """Ends the teacher's forward after its last record.

    A ``BaseException``, like ``KeyboardInterrupt``, so that an ``except
    Exception`` in model code cannot swallow it and let the forward run on.
    """


class EarlyExitPlanner:
    """Plans where the teacher's forward can stop, from what its recorders
    actually record.

    The first forward runs in full while the planner notes the order in
    which the records arrive (from module hooks, patched methods and
    functions alike). Later forwards stop right after the record that came
    last, counted per step. If a later step records less than planned (a
    data-dependent forward), :meth:`check` names the recorder.

    Args:
        recorders (RecorderManager): The teacher's recorders.
    """

    def __init__(self, recorders: RecorderManager) -> None:
        self.recorders = recorders
        self.planned = False
        self.stop_after: Optional[tuple] = None  # (recorder, count)
        self._remove_listener: Optional[Callable[[], None]] = None
        self._suspended = False

    @contextmanager
    def observe(self):
        """Watch a full forward (the first one) and plan the stop."""
        order: List[BaseRecorder] = []
        removers = [
            recorder.add_listener(order.append)
            for recorder in self.recorders.recorders.values()
        ]
        try:
            yield
        finally:
            for remove in removers:
                remove()
        self.planned = True
        if not order:
            return
        last = order[-1]
        count = sum(1 for recorder in order if recorder is last)
        self.stop_after = (last, count)

        def stop(*_) -> None:
            if len(last.data) >= count and not self._suspended:
                raise TeacherExit

        # after a module's last record: from a forward hook added now, so
        # the module's other hooks still run; else right after the record
        module = getattr(last, 'hooked_module', None)
        if module is not None:
            self._remove_listener = add_forward_hook(module, stop).remove
        else:
            self._remove_listener = last.add_listener(stop)

    @contextmanager
    def suspended(self):
        """Forwards inside run in full, the plan kept (the benchmark's
        MMRazor-style step times the whole teacher with it)."""
        self._suspended = True
        try:
            yield
        finally:
            self._suspended = False

    def remove(self) -> None:
        """Remove the stop; the next forward is planned anew."""
        if self._remove_listener is not None:
            self._remove_listener()
        self._remove_listener = None
        self.stop_after = None
        self.planned = False


def check_records(recorders: RecorderManager, needs: Dict[str, int],
                  early_exit: bool) -> None:
    """Raise a RuntimeError naming the teacher recorder that recorded fewer
    calls in this step than the losses read (``needs``: name -> count)."""
    for name, count in needs.items():
        recorder = recorders[name]
        if len(recorder.data) >= count:
            continue
        hint = (' The teacher stopped early after its last record of the '
                'first step; if its forward differs between steps, set '
                'teacher_early_stop=False.' if early_exit else '')
        raise RuntimeError(
            f'Teacher recorder {name!r} ({type(recorder).__name__} of '
            f'{recorder.source!r}) recorded {len(recorder.data)} call(s) in '
            f'this step, but the distill losses read {count}.{hint} Does the '
            'teacher run that layer in tensor mode?')
