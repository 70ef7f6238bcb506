"""Peak memory of one step in the steady state, in a fresh process; the data
loader's time."""
import copy
import os
import statistics
import subprocess
import sys
import threading
from typing import Callable, List, Optional, Tuple

import torch

from .stats import timed


def peak_memory_mib(script: str, argv: List[str], name: str) -> float:
    """Peak memory the step ``name`` adds, measured in a fresh process
    (``script`` with ``argv`` and ``--only NAME``): resident set size on
    CPU, allocated memory on GPU, over what the built models, the batch and
    the first step's leftovers already use."""
    cmd = [sys.executable, script] + [a for a in argv if a != '--no-memory'
                                      ] + ['--only', name]
    # glibc otherwise keeps freed blocks (and raises its mmap threshold as
    # blocks are freed), so the resident set remembers earlier allocations
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536')
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=1800, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith('PEAK_MIB '):
            return float(line.split()[1])
    return float('nan')


def _rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def measure_only(step: Callable[[], None], settle: Callable[[], None],
                 warmup: int) -> None:
    """Print the peak memory ``step`` adds in the steady state (for
    :func:`peak_memory_mib`).

    The first step runs untracked: it is the one-off planning forward that
    runs the whole teacher (a detector's heads included), which later steps
    never repeat. Then the gradients it left are freed and the baseline is
    taken; the peak is followed over ``warmup + 2`` more steps, on CPU as
    the resident set size sampled every millisecond.
    """
    if torch.cuda.is_available():
        print(f'PEAK_MIB {measure_peak(step, settle, warmup + 2)}')
        return
    step()
    settle()
    base = _rss_bytes()
    peak, done = [base], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_bytes())
            done.wait(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        for _ in range(warmup + 2):
            step()
    finally:
        done.set()
        sampler.join()
    print(f'PEAK_MIB {(max(peak[0], _rss_bytes()) - base) / 2**20:.2f}')


def measure_peak(step: Callable[[], None],
                 settle: Callable[[], None],
                 steps: int = 2) -> float:
    """MiB of GPU memory ``step`` allocates at its peak in the steady state,
    over what is allocated before it (the first step, the one-off planning
    forward, and the gradients it leaves are not counted)."""
    step()
    settle()
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - base) / 2**20


def loader_timing(cfg,
                  batch_size: int,
                  step: Callable[[], None],
                  batches: int = 5) -> Optional[Tuple[float, float]]:
    """ms per batch of the training loader alone and with ``step``, or None
    when the data set is not on disk."""
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(batch_size=batch_size, persistent_workers=False)
    try:
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        state = dict(it=iter(loader))
    except FileNotFoundError:
        return None

    def next_batch():
        try:
            return next(state['it'])
        except StopIteration:
            state['it'] = iter(loader)
            return next(state['it'])

    next_batch()
    alone = statistics.median(timed(next_batch) for _ in range(batches))
    with_step = statistics.median(
        timed(lambda: (next_batch(), step())) for _ in range(batches))
    return alone * 1000, with_step * 1000
