"""tools/test.py evaluates the training checkpoints of the algorithms beyond
one teacher with their own training configs: the top-1 it prints is the one
of the trained model, not of random weights, and no teacher file is read."""
import re
import sys

import pytest
import torch
from beyond_utils import short_cfg, teacher_ckpts
from mmengine.runner import Runner
from tool_utils import run_tool


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    return teacher_ckpts(str(tmp_path_factory.mktemp('teachers')))


def _top1(text):
    found = re.findall(r'accuracy/top1: ([0-9.]+)', text)
    assert found, text[-3000:]
    return float(found[-1])


@pytest.mark.parametrize('name',
                         ['multi_teacher', 'self_distill', 'dml', 'dafl'])
def test_tools_test_evaluates_the_trained_algorithm(name, ckpts, tmp_path):
    cfg = short_cfg(
        name, tmp_path / 'train', ckpts, samples=32, batch=8, epochs=1)
    runner = Runner.from_cfg(cfg)
    runner.train()
    trained = runner.test()['accuracy/top1']
    with torch.no_grad():
        scores = torch.cat([
            torch.stack([s.pred_score for s in runner.model.test_step(b)])
            for b in runner.test_dataloader
        ])
    # testing must not need the teachers' files: point at missing ones
    gone = str(tmp_path / 'no_such_teacher.pth')
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = gone
    for teacher in (cfg.model.get('teachers') or {}).values():
        teacher.ckpt = gone
    config = tmp_path / f'{name}.py'
    cfg.dump(str(config))
    proc = run_tool([
        sys.executable, 'tools/test.py',
        str(config),
        str(tmp_path / 'train' / 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(tmp_path / 'out.pkl'), '--cfg-options', 'log_level=INFO'
    ])
    assert 'load_strict' not in proc.stdout + proc.stderr
    assert _top1(proc.stdout + proc.stderr) == round(trained, 4)
    # the very weights of the checkpoint: the same scores, image by image
    import pickle
    with open(tmp_path / 'out.pkl', 'rb') as f:  # written by this test
        dumped = pickle.load(f)
    tool_scores = torch.stack([
        s['pred_score'] if isinstance(s, dict) else s.pred_score
        for s in dumped
    ])
    assert torch.equal(tool_scores, scores)
