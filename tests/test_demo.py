"""The main job, demo/digits_demo.py: its machinery in a reduced run (one
epoch, one seed, every method's config), the clear-gain rule on given
numbers, and, only with MMKD_FULL_DEMO=1 (about 3.5 minutes on 2 cores),
the full run and its gain criterion."""
import json
import os
import os.path as osp
import re
import sys

import pytest
from tool_utils import REPO, run_tool

sys.path.insert(0, osp.join(REPO, 'demo'))

import digits_demo  # noqa: E402

ROWS = ('teacher (cnn64x5, all 1,200)', 'student alone (cnn16x2, 30)',
        'student + KD', 'student + DKD', 'student + DIST', 'student + FitNet',
        'student + CRD')


def check_output(out, work_dir, seeds):
    # a progress line per run, with the time left until the last one
    runs = len(ROWS) * seeds
    for i in range(1, runs):
        assert re.search(
            rf'^\[{i}/{runs}\] seed \d, .*: top-1 [\d.]+% '
            r'\(\d+ s; about .+ left\)$', out, re.M), (i, out)
    assert re.search(
        rf'^\[{runs}/{runs}\] seed {seeds - 1}, student \+ '
        r'CRD: top-1 [\d.]+% \(\d+ s\)$', out, re.M), out
    # readable: the demo's own lines only, no MMEngine log or warnings
    assert 'WARNING' not in out and 'deprecat' not in out.lower()
    assert 'mmengine' not in out
    assert f'{seeds} seed{"s" if seeds > 1 else ""} (' in out
    number = r'\d+\.\d\d \+- \d+\.\d\d' if seeds > 1 else r'\d+\.\d\d'
    for row in ROWS:
        gain = r'' if row.startswith(('teacher', 'student alone')) else \
            r'[+-]\d+\.\d\d'
        assert re.search(
            rf'^\| {re.escape(row)} +\| +{number} \| +{gain} +\| '
            rf'({"yes|no" if seeds > 1 else "n/a"}|) +\|$', out, re.M), \
            (row, out)
    png = osp.join(work_dir, 'digits_demo.png')
    with open(png, 'rb') as f:
        assert f.read(4) == b'\x89PNG'
    assert osp.getsize(png) > 30000
    with open(osp.join(work_dir, 'results.json')) as f:
        results = json.load(f)
    assert list(results['rows']) == list(ROWS)
    for row in ROWS:
        assert len(results['rows'][row]['values']) == seeds
        assert len(results['curves'][row]) == seeds
    return results


def test_digits_demo_reduced_run(tmp_path):
    work = tmp_path / 'work'
    proc = run_tool([
        sys.executable, 'demo/digits_demo.py', '--seeds', '1', '--epochs', '1',
        '--work-dir',
        str(work)
    ],
                    timeout=300)
    results = check_output(proc.stdout, str(work), 1)
    # one validation per epoch
    assert results['curves']['student + KD'] == [[
        results['rows']['student + KD']['values'][0]
    ]]
    # the students learnt from 3 labelled images per digit and loaded the
    # teacher trained just before
    run = work / 'kd_cnn64x5_cnn16x2_digits-3shot_seed0'
    cfg = re.sub(r'\s', '',
                 (run / 'kd_cnn64x5_cnn16x2_digits-3shot.py').read_text())
    assert 'num_per_class=3' in cfg
    teacher = work / 'cnn64x5_digits_seed0' / 'epoch_1.pth'
    assert f"teacher_ckpt='{teacher}'" in cfg and teacher.exists()


def test_methods_option_and_bad_arguments():
    args = digits_demo.parse_args(['--methods', 'kd,crd'])
    assert args.methods == ['kd', 'crd'] and args.seeds == 3
    with pytest.raises(SystemExit):
        digits_demo.parse_args(['--methods', 'kd,vid'])


def test_clear_gain_rule():
    alone, teacher = digits_demo.ALONE, digits_demo.TEACHER
    summary = digits_demo.summarize({
        teacher: [99.5, 99.3, 99.7],
        alone: [79.0, 80.0, 81.0],  # std 1
        'student + A': [83.0, 84.0, 85.0],  # +4, std 1: clear
        'student + B': [80.5, 81.5, 82.5],  # +1.5 < 2: not clear
        'student + C': [78.0, 84.0, 90.0],  # +4 < std 6: not clear
        'student + D': [82.5, 82.0, 81.5],  # +2.0 > std 1: clear
    })
    assert 'gain' not in summary[alone] and 'gain' not in summary[teacher]
    assert summary['student + A']['gain'] == pytest.approx(4.0)
    assert [summary[f'student + {k}']['clear'] for k in 'ABCD'] == \
        [True, False, False, True]
    table = '\n'.join(digits_demo.format_table(summary))
    assert '| student + A' in table and '+4.00 | yes' in table
    assert '+1.50 | no' in table
    lines = digits_demo.verdict(summary)
    assert lines[0].split()[:4] == ['A', '+4.00', 'points:', 'clear']
    assert 'not clear' in lines[2] and '6.00' in lines[2]
    # one seed has no spread to compare with
    one = digits_demo.summarize({alone: [80.0], 'student + A': [85.5]})
    assert one['student + A']['clear'] is None
    assert one['student + A']['gain'] == pytest.approx(5.5)
    assert 'n/a (one seed' in digits_demo.verdict(one)[0]


@pytest.mark.skipif(
    os.environ.get('MMKD_FULL_DEMO') != '1',
    reason='the full demo takes minutes; set MMKD_FULL_DEMO=1 to run it')
def test_full_demo_meets_the_gain_criterion(tmp_path):
    proc = run_tool(
        [sys.executable, 'demo/digits_demo.py', '--work-dir',
         str(tmp_path)],
        timeout=1800)
    results = check_output(proc.stdout, str(tmp_path), 3)
    rows = results['rows']
    assert rows[digits_demo.TEACHER]['mean'] > 99
    kd, alone = rows['student + KD'], rows[digits_demo.ALONE]
    assert kd['gain'] >= 2 and kd['gain'] > max(kd['std'], alone['std'])
    assert kd['clear'] and rows['student + DKD']['clear']


def test_the_students_labelled_subset():
    from mmkd.datasets import Digits
    three = Digits(split='train', num_per_class=3)
    labels = sorted(three[i]['gt_label'] for i in range(len(three)))
    assert labels == [d for d in range(10) for _ in range(3)]
    ids = {three[i]['img_id'] for i in range(len(three))}
    five = Digits(split='train', num_per_class=5)
    assert len(five) == 50
    assert ids < {five[i]['img_id'] for i in range(len(five))}
    train = Digits(split='train')
    assert ids < {train[i]['img_id'] for i in range(len(train))}
    assert 'num_per_class=3' in repr(three)
    with pytest.raises(ValueError, match='num_per_class'):
        Digits(split='test', num_per_class=3)
    with pytest.raises(ValueError, match='num_per_class'):
        Digits(split='train', num_per_class=0)
