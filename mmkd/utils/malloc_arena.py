"""Allocator setting for the teacher's own thread on the CPU.

glibc's malloc gives each new thread an arena of its own. A thread arena
trims its heap after large frees and takes the page faults again at the
next allocation, every step: a deep, narrow teacher (resnet110 on CIFAR,
batch 64, one thread) ran its forward in 416 ms on its own thread against
362 ms on the main thread, and in 354 ms with the thread sharing the main
arena (``tools/analysis_tools/benchmark_distill.py`` and docs/distillation.md
give the figures of the whole step).
"""
import ctypes
import sys
from typing import Optional

#: ``M_ARENA_MAX`` of glibc's ``malloc.h``
_M_ARENA_MAX = -8
_shared: Optional[bool] = None


def share_thread_arenas() -> bool:
    """Make threads started from now on allocate from the arenas that
    exist (glibc's ``mallopt(M_ARENA_MAX, 1)``; arenas already made stay).

    Called when the teacher's thread is first started on a machine without
    CUDA (``teacher_execution.shared_malloc_arena``), never at import.

    Returns:
        bool: True when set (glibc), False where the C library is another
        one (nothing changes).
    """
    global _shared
    if _shared is None:
        _shared = False
        if sys.platform.startswith('linux'):
            try:
                libc = ctypes.CDLL(None)
                libc.gnu_get_libc_version  # noqa: B018  glibc only
                _shared = bool(libc.mallopt(_M_ARENA_MAX, 1))
            except (OSError, AttributeError):
                _shared = False
    return _shared


def thread_arenas_shared() -> bool:
    """Whether :func:`share_thread_arenas` has set it in this process."""
    return bool(_shared)
