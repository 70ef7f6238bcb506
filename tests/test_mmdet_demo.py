import re
import sys

from tool_utils import run_tool

ROWS = ('teacher (R34)', 'student alone (R18)', 'student + PKD (R18)')


def test_mmdet_distill_demo_runs_and_reports(tmp_path):
    data_root = tmp_path / 'data'
    proc = run_tool([
        sys.executable, 'demo/mmdet_distill_demo.py', '--work-dir',
        str(tmp_path / 'work'), '--data-root',
        str(data_root), '--num-train', '8', '--num-val', '4', '--epochs', '1',
        '--teacher-epochs', '1', '--seeds', '1'
    ],
                    timeout=300)
    out = proc.stdout
    assert 'Generated 8 training and 4 validation images' in out
    assert (data_root / 'annotations' / 'instances_val2017.json').exists()
    assert '| model' in out and 'bbox mAP' in out and 'segm mAP' in out
    assert '1 seed ' in out
    # a progress line per run, with the time left; no MMEngine warnings
    assert re.search(
        r'^\[1/3\] seed 0, teacher \(R34\): bbox mAP .* '
        r'\(.+; about .+ left\)$', out, re.MULTILINE), out
    assert 'WARNING' not in out and 'deprecat' not in out.lower()
    number = r'\d+\.\d{3}'  # one seed: no spread
    for row in ROWS:
        assert re.search(
            rf'^\| {re.escape(row)} +\| +{number} \| +{number} \|$', out,
            re.MULTILINE), (row, out)
    # the distilled student loaded the teacher trained just before
    assert (tmp_path / 'work' / 'mask-rcnn_r34_fpn_tiny-coco_seed0' /
            'epoch_1.pth').exists()
    assert (tmp_path / 'work' / 'pkd_fpn_mask-rcnn_r34-r18_tiny-coco_seed0' /
            'epoch_1.pth').exists()
