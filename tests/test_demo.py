import os.path as osp
import sys

from tool_utils import run_tool


def test_digits_demo_runs_and_reports(tmp_path):
    proc = run_tool([
        sys.executable, 'demo/digits_demo.py', '--seeds', '2', '--epochs',
        '2', '--work-dir',
        str(tmp_path)
    ])
    out = proc.stdout
    for row in ('teacher (cnn64x5)', 'student alone (cnn8x2)',
                'student + KD (cnn8x2)'):
        assert f'| {row}' in out
    assert '2 seeds' in out
    png = tmp_path / 'digits_kd_curves.png'
    assert png.exists() and png.read_bytes()[:4] == b'\x89PNG'
    assert osp.getsize(png) > 10000
