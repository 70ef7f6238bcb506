"""How a frozen teacher runs: precision, device, and ahead of the student.

None of this changes what the losses receive except through the declared
precision: records come back as float32 on the student's device.
"""
import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from types import MappingProxyType
from typing import Any, Callable, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.logging import print_log

from mmkd.utils.malloc_arena import share_thread_arenas, thread_arenas_shared

PRECISIONS = MappingProxyType({
    None: None,
    'fp32': None,
    'bf16': torch.bfloat16,
    'fp16': torch.float16
})


def map_tensors(item: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    """``item`` with ``fn`` applied to every tensor in nested tuples, lists
    and dicts."""
    if isinstance(item, torch.Tensor):
        return fn(item)
    if isinstance(item, (list, tuple)):
        mapped = [map_tensors(x, fn) for x in item]
        if hasattr(item, '_fields'):  # namedtuple
            return type(item)(*mapped)
        return type(item)(mapped)
    if isinstance(item, dict):
        return type(item)((k, map_tensors(v, fn)) for k, v in item.items())
    return item


def join_batches(parts: Sequence[Any], what: str = 'record') -> Any:
    """Join the records of micro-batches along the batch (first) dimension:
    tensors are concatenated, tuples, lists and dicts joined item by item,
    anything else must be equal in every part."""
    first = parts[0]
    if isinstance(first, torch.Tensor):
        if first.dim() == 0:
            raise ValueError(
                f'The {what} is a scalar tensor, which has no batch dimension '
                'to join micro-batches along: leave '
                'teacher_execution.micro_batch unset for this teacher.')
        return torch.cat(list(parts))
    if isinstance(first, (list, tuple)):
        joined = [
            join_batches([part[i] for part in parts], f'{what}[{i}]')
            for i in range(len(first))
        ]
        if hasattr(first, '_fields'):  # namedtuple
            return type(first)(*joined)
        return type(first)(joined)
    if isinstance(first, dict):
        return type(first)(
            (k, join_batches([part[k] for part in parts], f'{what}[{k!r}]'))
            for k in first)
    if all(part == first for part in parts[1:]):
        return first
    raise ValueError(
        f'The {what} ({type(first).__name__}) differs between micro-batches '
        'and cannot be joined along the batch: leave '
        'teacher_execution.micro_batch unset for this teacher.')


class BatchCall:
    """The teacher's forward on a batch, ``model(inputs, data_samples,
    mode=mode)``, that can be split into micro-batches.

    Args:
        inputs (torch.Tensor): The batch, samples along the first dimension.
        data_samples (list, optional): One per sample, or None.
        mode (str): The model's forward mode. Defaults to ``'tensor'``.
        prepare (callable, optional): Applied to the inputs just before the
            forward (e.g. the move to the teacher's device).
    """

    def __init__(self,
                 inputs: torch.Tensor,
                 data_samples: Optional[list] = None,
                 mode: str = 'tensor',
                 prepare: Optional[Callable[[Any], Any]] = None) -> None:
        self.inputs = inputs
        self.data_samples = data_samples
        self.mode = mode
        self.prepare = prepare

    def __call__(self, model: nn.Module) -> Any:
        inputs = self.prepare(self.inputs) if self.prepare else self.inputs
        return model(inputs, self.data_samples, mode=self.mode)

    def split(self, size: int) -> List['BatchCall']:
        """Calls on consecutive micro-batches of at most ``size`` samples."""
        if not isinstance(self.inputs, torch.Tensor):
            raise TypeError(
                'teacher_execution.micro_batch needs the teacher\'s inputs '
                f'as one batched tensor, got {type(self.inputs).__name__}.')
        total = self.inputs.shape[0]
        if self.data_samples is not None and len(self.data_samples) != total:
            raise ValueError(
                f'{len(self.data_samples)} data samples for a batch of '
                f'{total}: the batch cannot be split into micro-batches.')
        return [
            BatchCall(
                self.inputs[start:start + size], None if self.data_samples
                is None else self.data_samples[start:start + size], self.mode,
                self.prepare) for start in range(0, total, size)
        ]


class TeacherExecution:
    """The execution options of a frozen teacher.

    Args:
        precision (str, optional): ``'bf16'`` or ``'fp16'`` runs the teacher
            under autocast; its records are cast back to float32. Defaults
            to None (the model's own dtype).
        inference_mode (bool): Run under ``torch.inference_mode`` instead
            of ``no_grad`` (records are cloned out of it, so losses can use
            them in autograd). Defaults to False.
        channels_last (bool): Keep the teacher's weights channels-last.
            Defaults to False.
        device (str, optional): Run the teacher on this device (a big
            teacher on its own GPU); inputs go there and records come back
            to the student's device. Defaults to None (the student's).
        micro_batch (int, optional): Run the teacher on micro-batches of at
            most this many samples and join their records along the batch:
            the teacher's working memory shrinks in proportion (what the
            teacher running ahead holds while the student trains). Records
            equal the whole batch's up to float rounding for teachers whose
            forward treats samples independently (eval-mode BN does);
            records must have the batch as their first dimension. Defaults
            to None (the whole batch at once).
        shared_malloc_arena (bool): On a machine without CUDA, the teacher
            running ahead on its own thread allocates from the main
            thread's malloc arena (glibc ``M_ARENA_MAX=1``, set when the
            thread first starts, said once in the log): a thread arena of
            its own trims and re-faults its heap every step, which made a
            deep, narrow CPU teacher 15 % slower. Defaults to True.
    """

    def __init__(self,
                 precision: Optional[str] = None,
                 inference_mode: bool = False,
                 channels_last: bool = False,
                 device: Optional[str] = None,
                 micro_batch: Optional[int] = None,
                 shared_malloc_arena: bool = True) -> None:
        if micro_batch is not None and (isinstance(micro_batch, bool)
                                        or not isinstance(micro_batch, int)
                                        or micro_batch < 1):
            raise ValueError('teacher_execution.micro_batch must be a '
                             f'positive int, got {micro_batch!r}.')
        if precision not in PRECISIONS:
            raise ValueError(f'teacher precision must be one of '
                             f'{[p for p in PRECISIONS if p]}, got '
                             f'{precision!r}.')
        self.precision = precision
        self.dtype = PRECISIONS[precision]
        self.inference_mode = inference_mode
        self.channels_last = channels_last
        self.device = torch.device(device) if device is not None else None
        self.micro_batch = micro_batch
        self.shared_malloc_arena = bool(shared_malloc_arena)
        self._pool: Optional[ThreadPoolExecutor] = None
        self._stream = None

    @property
    def changes_records(self) -> bool:
        return self.dtype is not None or self.inference_mode or \
            self.device is not None

    def prepare(self, model: nn.Module) -> None:
        if self.device is not None:
            model.to(self.device)
        if self.channels_last:
            model.to(memory_format=torch.channels_last)

    def to_teacher(self, item: Any) -> Any:
        """Inputs moved to the teacher's device (if it has its own)."""
        if self.device is None:
            return item
        return map_tensors(item,
                           lambda t: t.to(self.device, non_blocking=True))

    @contextlib.contextmanager
    def context(self, model: nn.Module, full_precision: bool = False):
        """No autograd, and autocast to :attr:`precision` unless
        ``full_precision``; an op without a kernel for that precision is
        named in a RuntimeError (its traceback kept)."""
        grad = torch.inference_mode() if self.inference_mode else \
            torch.no_grad()
        param = next(model.parameters(), None)
        device_type = param.device.type if param is not None else 'cpu'
        low = self.dtype is not None and not full_precision
        cast = torch.autocast(device_type, dtype=self.dtype) \
            if low else contextlib.nullcontext()
        with grad, cast:
            try:
                yield
            except RuntimeError as err:
                if not low:
                    raise
                raise RuntimeError(
                    f'The teacher failed under {self.precision} autocast: '
                    f'{str(err).splitlines()[0]} (an op without a '
                    f'{self.precision} kernel on {device_type}?). Run the '
                    'teacher in float32 (teacher_execution without '
                    'precision), or record layers before that op so the '
                    'teacher stops earlier.') from err

    def restore(self, item: Any, device: Optional[torch.device]) -> Any:
        """A record as the losses take it: float32 if the teacher ran in
        lower precision, out of inference mode, on ``device``."""

        def fix(tensor: torch.Tensor) -> torch.Tensor:
            if self.dtype is not None and tensor.dtype == self.dtype:
                tensor = tensor.float()
            if device is not None and tensor.device != device:
                tensor = tensor.to(device, non_blocking=True)
            if tensor.is_inference():
                tensor = tensor.clone()
            if tensor.is_cuda and self._stream is not None:
                # made on the teacher's stream, used on the student's
                tensor.record_stream(torch.cuda.current_stream())
            return tensor

        return map_tensors(item, fix)

    def submit(self, job: Callable[[], Any]) -> Future:
        """Run ``job`` on the teacher's own thread (and CUDA stream)."""
        if self._pool is None:
            if self.shared_malloc_arena and not torch.cuda.is_available() \
                    and not thread_arenas_shared() and share_thread_arenas():
                print_log(
                    "The teacher's thread allocates from the main thread's "
                    'malloc arena (glibc M_ARENA_MAX=1; '
                    'teacher_execution.shared_malloc_arena=False keeps '
                    "glibc's default).", 'current')
            self._pool = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix='mmkd-teacher')
        # OpenMP's thread count is per thread: give the teacher's thread
        # the caller's (torch.set_num_threads(1) then means one core each)
        threads = torch.get_num_threads()

        def on_stream():
            torch.set_num_threads(threads)
            if not torch.cuda.is_available():
                return job()
            if self._stream is None:
                self._stream = torch.cuda.Stream()
            with torch.cuda.stream(self._stream):
                out = job()
            self._stream.synchronize()
            return out

        return self._pool.submit(on_stream)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._pool = None
