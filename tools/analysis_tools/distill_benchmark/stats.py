"""Paired timings (median and spread) and the machine's load."""
import os
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence

# below this many paired rounds the quartiles are too coarse to trust
MIN_ROUNDS = 10


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn()`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def quartiles(values: Sequence[float]):
    """(first quartile, median, third quartile) of ``values``."""
    values = sorted(values)
    if len(values) == 1:
        return values[0], values[0], values[0]
    low, _, high = statistics.quantiles(values, n=4, method='inclusive')
    return low, statistics.median(values), high


class PairedTimings:
    """Times of several measurements taken in interleaved rounds, so that
    each round's noise hits them all alike: a ratio is taken within each
    round (paired), and its median and interquartile range are reported.

    Args:
        names (list[str]): The measurements, in the order they are timed.
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.times: Dict[str, List[float]] = {name: [] for name in names}

    def add(self, name: str, seconds: float) -> None:
        self.times[name].append(seconds)

    def scale(self, name: str, factor: float) -> None:
        """Divide ``name``'s times by ``factor`` (several steps in one)."""
        self.times[name] = [t / factor for t in self.times[name]]

    def __contains__(self, name: str) -> bool:
        return name in self.times

    def ms(self, name: str) -> float:
        """Median milliseconds of ``name``."""
        return statistics.median(self.times[name]) * 1000

    def ratio(self, name: str, base: str):
        """(first quartile, median, third quartile) of ``name / base``
        taken round by round."""
        return quartiles(
            [a / b for a, b in zip(self.times[name], self.times[base])])

    def ratio_text(self, name: str, base: str) -> str:
        low, mid, high = self.ratio(name, base)
        return f'{mid:.3f} [{low:.3f}-{high:.3f}]'


class MachineLoad:
    """The load average next to the cores a measurement needs, sampled at
    the start and at the end (the larger counts).

    Args:
        cores_needed (int): Cores the measurement keeps busy itself.
    """

    def __init__(self, cores_needed: int) -> None:
        self.cores_needed = cores_needed
        self.cores = len(os.sched_getaffinity(0)) if hasattr(
            os, 'sched_getaffinity') else os.cpu_count()
        self.samples = [os.getloadavg()[0]]

    def sample(self) -> None:
        self.samples.append(os.getloadavg()[0])

    @property
    def load(self) -> float:
        return max(self.samples)

    def text(self) -> str:
        return (f'load average {" ".join(f"{x:.2f}" for x in self.samples)}'
                f' (start, end) on {self.cores} CPUs')

    def warning(self) -> Optional[str]:
        """A warning when other work competes for the cores the measurement
        uses: at the start (before this process loaded the machine) more
        than one core's worth of load beyond the cores it leaves free, or at
        the end (this process counted) more load than cores."""
        start, end = self.samples[0], max(self.samples)
        if start <= max(self.cores - self.cores_needed, 0) + 1.0 and \
                end <= self.cores + 0.5:
            return None
        return (f'WARNING: load average {self.load:.2f} on {self.cores} '
                f'CPUs, and this measurement keeps {self.cores_needed} '
                'busy itself: other processes compete for the cores, so '
                'the times and ratios above are not meaningful (the '
                'teacher-ahead figures least of all, since the teacher\'s '
                'thread needs a free core). Rerun on a quiet machine.')


def rounds_warning(rounds: int) -> Optional[str]:
    if rounds >= MIN_ROUNDS:
        return None
    return (f'WARNING: {rounds} rounds: the spread [first-third quartile] '
            f'is too coarse to tell ratios apart; use {MIN_ROUNDS} or more.')
