"""The seed loop the demos share (demo/seed_runs.py)."""
import os.path as osp
import sys

import pytest
from tool_utils import REPO

sys.path.insert(0, osp.join(REPO, 'demo'))

from seed_runs import load_run_cfg  # noqa: E402
from seed_runs import drop_teacher_evaluation, mean_std, run_seeds


def test_run_seeds_hands_each_seeds_teacher_checkpoint_on(capsys):
    calls = []

    def run(name, config, seed, teacher_ckpt):
        calls.append((name, seed, teacher_ckpt))
        return seed * 10 + len(calls), f'{config}-{seed}.pth'

    runs = (('teacher', 't.py'), ('student', 's.py'), ('kd', 'kd.py'))
    results = run_seeds(runs, 2, 'teacher', run, lambda s: f'score {s}')
    assert calls == [('teacher', 0, None), ('student', 0, 't.py-0.pth'),
                     ('kd', 0, 't.py-0.pth'), ('teacher', 1, None),
                     ('student', 1, 't.py-1.pth'), ('kd', 1, 't.py-1.pth')]
    assert results == {'teacher': [1, 14], 'student': [2, 15], 'kd': [3, 16]}
    assert '[6/6] seed 1, kd: score 16' in capsys.readouterr().out


def test_mean_std():
    assert mean_std([71.234]) == '71.23'
    assert mean_std([1.0, 3.0], 3) == '2.000 +- 1.414'


def test_load_run_cfg_and_drop_teacher_evaluation(tmp_path):
    path = (f'{REPO}/configs/kd/kd/'
            'kd_resnet56_resnet20_1xb64-240e_cifar100.py')
    cfg = load_run_cfg(path, str(tmp_path), 3)
    assert cfg.experiment_name == \
        'kd_resnet56_resnet20_1xb64-240e_cifar100_seed3'
    assert cfg.randomness.seed == 3 and cfg.work_dir == str(tmp_path)
    assert [h['type'] for h in cfg.custom_hooks
            ] == ['EvaluateTeacherHook', 'RecipeHook']
    drop_teacher_evaluation(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == ['RecipeHook']


def test_progress_lines_say_the_time_left(capsys, monkeypatch):
    import seed_runs
    clock = iter(range(0, 1000, 5))  # every run takes 5 s
    monkeypatch.setattr(seed_runs.time, 'time', lambda: next(clock))
    runs = (('teacher', 't.py'), ('student', 's.py'), ('kd', 'kd.py'))
    run_seeds(
        runs,
        2,
        'teacher',
        lambda *a: (1, 'x.pth'),
        str,
        costs=dict(teacher=2.0, student=1.0, kd=1.0))
    out = capsys.readouterr().out.splitlines()
    # after the teacher: 5 s per 2 units of cost, so 2.5 s for a student
    # not seen yet: 2.5 + 2.5 + 5 + 2.5 + 2.5
    assert out[0] == '[1/6] seed 0, teacher: 1 (5 s; about 15 s left)'
    # then 10 s per 3 units for kd: 3.3 + 5 + 5 + 3.3
    assert out[1] == '[2/6] seed 0, student: 1 (5 s; about 17 s left)'
    assert out[-1] == '[6/6] seed 1, kd: 1 (5 s)'


def test_estimate_left_and_format_duration():
    from seed_runs import estimate_left, format_duration
    assert estimate_left({'t': [], 's': []}, ['t', 's']) is None
    assert estimate_left({'t': [10.0, 20.0], 's': []}, ['t', 's', 's']) == \
        45.0  # without costs an unseen run counts like the seen ones
    assert estimate_left({'t': [30.0], 's': [6.0], 'kd': []},
                         ['kd', 't'], dict(t=3, s=1, kd=2)) == \
        pytest.approx(30 + 2 * 36 / 4)
    assert format_duration(44.6) == '45 s'
    assert format_duration(185) == '3 min 05 s'
