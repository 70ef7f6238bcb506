"""The seed loop the demos share (demo/seed_runs.py)."""
import os.path as osp
import sys

from tool_utils import REPO

sys.path.insert(0, osp.join(REPO, 'demo'))

from seed_runs import (drop_teacher_evaluation, load_run_cfg,  # noqa: E402
                       mean_std, run_seeds)


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
    assert [h['type'] for h in cfg.custom_hooks] == [
        'EvaluateTeacherHook', 'RecipeHook'
    ]
    drop_teacher_evaluation(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == ['RecipeHook']
