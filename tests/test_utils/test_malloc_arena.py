"""The teacher's thread shares the main malloc arena on a CPU-only machine
(glibc): set when the thread first starts, said once, never at import, and
left alone with ``shared_malloc_arena=False`` or under CUDA.

What it is for is a speed figure (docs/distillation.md, measured with
``tools/analysis_tools/benchmark_distill.py``); these tests check when it
is set. Each runs in a fresh process, since the setting is per process."""
import subprocess
import sys

import pytest
from tool_utils import REPO

PROBE = r'''
import sys
import torch
import mmkd
from mmkd.utils import malloc_arena
assert not malloc_arena.thread_arenas_shared(), 'set at import'
from mmkd.models.teacher.execution import TeacherExecution
calls = []
real = malloc_arena.share_thread_arenas
def counted():
    calls.append(1)
    return real()
import mmkd.models.teacher.execution as execution
execution.share_thread_arenas = counted
run = TeacherExecution(shared_malloc_arena=sys.argv[1] == 'on')
for _ in range(3):
    assert run.submit(lambda: torch.ones(2).sum()).result() == 2
run.shutdown()
run2 = TeacherExecution(shared_malloc_arena=sys.argv[1] == 'on')
run2.submit(lambda: None).result()
run2.shutdown()
print('calls', len(calls), 'shared', malloc_arena.thread_arenas_shared())
'''


def probe(mode):
    proc = subprocess.run([sys.executable, '-c', PROBE, mode],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


@pytest.mark.skipif(
    not sys.platform.startswith('linux'), reason='glibc on Linux only')
def test_teacher_thread_shares_the_main_arena_once_on_cpu():
    import torch
    if torch.cuda.is_available():
        pytest.skip('the setting is for CPU-only machines; the CPU path is '
                    'what this test checks')
    out, err = probe('on')
    # set once, when the first teacher thread starts; the second pool
    # finds it set
    assert 'calls 1 shared True' in out
    assert (out + err).count('malloc arena') == 1


def test_option_off_leaves_glibc_default():
    out, _ = probe('off')
    assert 'calls 0 shared False' in out
