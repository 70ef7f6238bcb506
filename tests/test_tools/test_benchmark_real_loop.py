"""benchmark_real_loop.py trains each variant through tools/train.py (the
teacher cache built first) and prints their iteration times side by side."""
import sys

from tool_utils import run_tool


def test_real_loop_benchmark_runs_each_variant(tmp_path):
    proc = run_tool([
        sys.executable, 'tools/analysis_tools/benchmark_real_loop.py',
        '--iters', '3', '--skip', '1', '--repeats', '1', '--batch-size', '2',
        '--workers', '0', '--student', 'resnet8', '--teacher', 'resnet14',
        '--variants', 'student', 'kd-ahead', 'cached', '--work-dir',
        str(tmp_path)
    ])
    rows = {
        line.split('|')[1].strip(): line.split('|')[2:5]
        for line in proc.stdout.splitlines() if line.startswith('| ')
    }
    for variant in ('student', 'kd-ahead', 'cached'):
        ms = float(rows[variant][0].split()[0])
        ratio = float(rows[variant][2].split()[0])
        assert ms > 0 and ratio > 0, proc.stdout
    assert rows['student'][2].split()[0] == '1.000'
    assert 'data workers: 0' in proc.stdout
    # each run in its own work dir
    for variant in ('student', 'kd_ahead', 'cached'):
        assert (tmp_path / f'{variant.replace("_", "-")}_0').is_dir()


def test_real_loop_benchmark_refuses_to_time_nothing():
    proc = run_tool([
        sys.executable, 'tools/analysis_tools/benchmark_real_loop.py',
        '--iters', '3', '--skip', '3'
    ],
                    check=False)
    assert proc.returncode == 2
    assert '--skip 3 leaves none of --iters 3 to time.' in proc.stderr
