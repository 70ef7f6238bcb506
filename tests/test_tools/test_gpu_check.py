"""gpu_check.py's dry run: the whole script on the CPU with mmcv, mmdet and
mmseg blocked (the core path a GPU machine without them takes)."""
import sys

from tool_utils import run_tool


def test_gpu_check_dry_run_runs_its_cpu_parts_without_mmcv():
    proc = run_tool(
        [sys.executable, 'tools/analysis_tools/gpu_check.py', '--cpu-dry-run'])
    out = proc.stdout
    assert 'CUDA tests: exit code 0' in out
    assert 'random images (no mmcv)' in out
    rows = [
        line.split('|')[1].strip() for line in out.splitlines()
        if line.startswith('| ')
    ]
    for label in ('student train step alone', 'distill step',
                  'distill step, teacher ahead (8-step run)',
                  'distill step, bf16 teacher',
                  'cached KD step (teacher output cache)'):
        assert label in rows, out
    assert 'gpu_check: ' in out
