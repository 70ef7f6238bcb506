import re
import sys

from tool_utils import run_tool

ROWS = ('teacher (R34)', 'student alone (R18)', 'student + CWD (R18)')


def test_mmseg_distill_demo_runs_and_reports(tmp_path):
    data_root = tmp_path / 'data'
    proc = run_tool([
        sys.executable, 'demo/mmseg_distill_demo.py', '--work-dir',
        str(tmp_path / 'work'), '--data-root',
        str(data_root), '--num-train', '4', '--num-val', '2', '--iters', '2',
        '--teacher-iters', '2'
    ],
                    timeout=300)
    out = proc.stdout
    assert 'Generated 4 training and 2 validation images' in out
    assert (data_root / 'ann_dir' / 'val' / '00001.png').exists()
    assert '| model' in out and 'mIoU' in out and '1 seed ' in out
    for row in ROWS:  # one seed: no spread
        assert re.search(rf'^\| {re.escape(row)} +\| +\d+\.\d\d \|$', out,
                         re.MULTILINE), (row, out)
    # the distilled student loaded the teacher trained just before
    assert (tmp_path / 'work' / 'pspnet_r34_tiny-seg_seed0' /
            'iter_2.pth').exists()
    assert (tmp_path / 'work' / 'cwd_logits_pspnet_r34-r18_tiny-seg_seed0' /
            'iter_2.pth').exists()
