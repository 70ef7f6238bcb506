"""The frozen teacher: one component for every algorithm and the facade."""
from concurrent.futures import Future
from typing import Any, Callable, Dict, Iterator, Optional

import torch
import torch.nn as nn

from ..recorders import FunctionOutputs, RecorderManager
from .checkpoint import load_teacher_checkpoint
from .early_exit import EarlyExitPlanner, TeacherExit, check_records
from .execution import BatchCall, TeacherExecution, join_batches


class FrozenTeacher:
    """A teacher network that is loaded strictly, frozen and always in eval
    mode, and that runs only as far as its recorders need.

    It is a plain object, not an ``nn.Module``: stored on a model it stays
    outside the module tree, so it is in no optimizer, DDP wrapper, SyncBN
    conversion or checkpoint. Owners mix in :class:`FrozenTeacherHolder` so
    that device moves and ``train()`` reach it.

    Args:
        model (nn.Module): The teacher network.
        ckpt (str, optional): Checkpoint loaded strictly into ``model``
            (a path or any URL MMEngine loads). Defaults to None.
        ckpt_optional (bool): Allow no checkpoint (tests, benchmarks, a
            teacher the caller loaded). Defaults to False.
        early_exit (bool): Stop the forward after the last record.
            Defaults to True.
        name (str): How messages call it. Defaults to ``'teacher'``.
        ckpt_key (str, optional): The config key that set ``ckpt``, for
            messages. Defaults to ``'<name>_ckpt'``.
        execution (dict, optional): How it runs: ``precision`` ('bf16',
            'fp16'), ``inference_mode``, ``channels_last``, ``device``; see
            :class:`~mmkd.models.teacher.execution.TeacherExecution`.
            Defaults to None (as the student, in float32).
    """

    def __init__(self,
                 model: nn.Module,
                 ckpt: Optional[str] = None,
                 ckpt_optional: bool = False,
                 early_exit: bool = True,
                 name: str = 'teacher',
                 execution: Optional[dict] = None,
                 ckpt_key: Optional[str] = None) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f'The {name} must be an nn.Module, got '
                            f'{type(model).__name__}.')
        if ckpt is not None:
            load_teacher_checkpoint(model, ckpt, ckpt_key or f'{name}_ckpt')
        elif not ckpt_optional:
            raise ValueError(
                f'{name}_ckpt is not set: distilling from an untrained '
                f'{name} is almost certainly a mistake. Set {name}_ckpt to '
                f"the {name}'s checkpoint (or {name}_ckpt_optional=True for "
                'tests and benchmarks).')
        model.requires_grad_(False)
        model.eval()
        self.execution = TeacherExecution(**(execution or {}))
        self.execution.prepare(model)
        self.model = model
        self.ckpt = ckpt
        self.name = name
        self.early_exit = early_exit
        self.recorders = RecorderManager()
        self.record_needs: Dict[str, int] = {}
        self.planner: Optional[EarlyExitPlanner] = None

    def attach(self, recorders: RecorderManager,
               record_needs: Dict[str, int]) -> None:
        """Use ``recorders`` (already initialized on :attr:`model`); after
        each run every recorder must hold ``record_needs[name]`` records."""
        self.detach()
        self.recorders = recorders
        self.record_needs = dict(record_needs)
        if self.early_exit and recorders.recorders:
            self.planner = EarlyExitPlanner(recorders)

    def detach(self) -> None:
        """Remove the early-exit stop and the teacher's thread."""
        self.execution.shutdown()
        if self.planner is not None:
            self.planner.remove()
        self.planner = None

    def run(self,
            call: Callable[[nn.Module], Any],
            record_device: Optional[torch.device] = None) -> None:
        """Run ``call(model)`` (e.g. ``lambda t: t(inputs, mode='tensor')``)
        without autograd, with the recorders on, stopping after the last
        record; then check that every record the losses read is there and
        bring records to float32 on ``record_device`` when the teacher runs
        in lower precision or on its own device. With
        ``execution.micro_batch``, ``call`` must be a :class:`BatchCall`:
        it runs on micro-batches whose records are joined."""
        if not self.recorders.recorders:
            return  # the losses read nothing from this teacher
        size = self.execution.micro_batch
        if size is None:
            self._run_once(call, record_device)
            return
        if not isinstance(call, BatchCall):
            raise TypeError(
                'teacher_execution.micro_batch is set, but this algorithm '
                'runs the teacher through a plain function, which cannot be '
                'split: use SingleTeacherDistill, or leave micro_batch '
                'unset.')
        parts = []
        for part in call.split(size):
            self._run_once(part, record_device)
            parts.append(self.recorders.take())
        for name, recorder in self.recorders.recorders.items():
            counts = [len(part[name].data) for part in parts]
            if len(set(counts)) > 1:
                raise ValueError(
                    f'Teacher recorder {name!r} recorded {counts} times on '
                    f'the micro-batches of {size}: its records cannot be '
                    'joined along the batch. Leave '
                    'teacher_execution.micro_batch unset for this teacher.')
            recorder.data = [
                join_batches([part[name].data[i] for part in parts],
                             f'record {i} of teacher recorder {name!r}')
                for i in range(len(parts[0][name].data))
            ]

    def _run_once(self, call: Callable[[nn.Module], Any],
                  record_device: Optional[torch.device]) -> None:
        self.model.eval()
        planning = self.planner is not None and not self.planner.planned
        # the planning forward runs in full, in float32: past the last
        # record it can reach ops without low-precision kernels (mmcv's NMS
        # in a detector's heads) that the planned, stopped runs never reach
        with self.recorders.recording(), self.execution.context(
                self.model, full_precision=planning):
            if planning:
                with self.planner.observe():
                    call(self.model)
            else:
                try:
                    call(self.model)
                except TeacherExit:
                    pass
        check_records(self.recorders, self.record_needs, self.planner
                      is not None)
        if self.execution.changes_records:
            for recorder in self.recorders.recorders.values():
                recorder.data = [
                    self.execution.restore(item, record_device)
                    for item in recorder.data
                ]

    def pipeline_problem(self) -> Optional[str]:
        """Why the teacher cannot run ahead of the student, or None."""
        for name, recorder in self.recorders.items():
            if isinstance(recorder, FunctionOutputs):
                return (f'teacher recorder {name!r} records a module-level '
                        'function, which the student calls too')
        return None

    @property
    def ready_to_run_ahead(self) -> bool:
        """False until the first (full, planning) forward has run."""
        return self.planner is None or self.planner.planned

    def run_ahead(self,
                  call: Callable[[nn.Module], Any],
                  record_device: Optional[torch.device] = None) -> Future:
        """Start :meth:`run` on the teacher's own thread (and CUDA stream);
        the future gives the records, taken out of the recorders
        (:meth:`RecorderManager.take`), so the next run can start while the
        student uses them."""

        def job() -> RecorderManager:
            self.run(call, record_device)
            return self.recorders.take()

        return self.execution.submit(job)


class FrozenTeacherHolder:
    """Mixin for an ``nn.Module`` that owns frozen teachers: device and
    dtype moves reach them, and ``train()`` leaves them in eval mode.

    The owner implements :meth:`frozen_teachers`.
    """

    def frozen_teachers(self) -> Iterator[FrozenTeacher]:
        raise NotImplementedError

    def _apply(self, fn, *args, **kwargs):
        for teacher in self.frozen_teachers():
            if teacher.execution.device is None:  # else it stays there
                teacher.model._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)

    def train(self, mode: bool = True):
        super().train(mode)
        for teacher in self.frozen_teachers():
            teacher.model.eval()
        return self
