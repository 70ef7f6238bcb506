"""The teacher-cache tools as a user runs them: the issue's repro (a config
of one's own with its own custom_hooks and another teacher) stops with a
short error whose rebuild command runs as printed; the builder builds from
an overridden model.teacher_ckpt and refuses a top-level teacher_ckpt."""
import json
import os.path as osp
import shlex
import subprocess
import sys

import torch
from tool_utils import REPO, run_tool

import mmkd.models  # noqa: F401
from mmkd.datasets.teacher_cache.check import check_model_side
from mmkd.datasets.teacher_cache.fingerprint import checkpoint_fingerprint
from mmkd.registry import MODELS

CONFIG = osp.join(REPO, 'configs/digits/cached_kd_cnn64x5_cnn8x2_digits.py')
BUILD = [sys.executable, 'tools/build_teacher_cache.py']


def _teacher(path, seed):
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(
            type='SimpleCNN',
            in_channels=1,
            channels=64,
            num_convs=5,
            num_classes=10))
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def _teacher_fp(cache_dir):
    with open(osp.join(cache_dir, 'header.json')) as f:
        return json.load(f)['fingerprints']['teacher']


def test_own_config_with_its_hooks_and_another_teacher_stops_and_the_printed_rebuild_runs(  # noqa: E501
        tmp_path):
    first = _teacher(str(tmp_path / 'first.pth'), 1)
    second = _teacher(str(tmp_path / 'second.pth'), 2)
    cache_dir = str(tmp_path / 'cache')
    small = [
        'train_dataloader.dataset.num_train=100',
        'val_dataloader.dataset.num_train=100'
    ]

    # a top-level teacher_ckpt is refused, not ignored
    refused = run_tool(
        BUILD + [
            CONFIG, '--out', cache_dir, '--draws', '2', '--cfg-options',
            f'teacher_ckpt={second}'
        ],
        check=False)
    assert refused.returncode == 1
    assert f"Set model.teacher_ckpt='{second}' instead" in refused.stderr
    assert not osp.exists(osp.join(cache_dir, 'header.json'))
    # model.teacher_ckpt is what the cache is built from
    run_tool(BUILD + [
        CONFIG, '--out', cache_dir, '--draws', '2', '--cfg-options',
        f'model.teacher_ckpt={first}'
    ] + small)
    assert _teacher_fp(cache_dir) == checkpoint_fingerprint(first)

    # the repro: the user's config sets its own custom_hooks
    user = tmp_path / 'user_cfg.py'
    user.write_text(f'_base_ = {CONFIG!r}\n'
                    "custom_hooks = [dict(type='EmptyCacheHook')]\n"
                    'train_cfg = dict(max_epochs=1, val_interval=10)\n')
    train = run_tool(
        [
            sys.executable, 'tools/train.py',
            str(user), '--work-dir',
            str(tmp_path / 'work'), '--cfg-options',
            f'model.teacher_ckpt={second}',
            f'train_dataloader.dataset.pipeline.0.cache_dir={cache_dir}'
        ] + small,
        check=False)
    assert train.returncode == 1, train.stdout[-2000:]
    err = train.stderr
    assert 'TeacherCacheError' in err and 'teacher checkpoint' in err
    assert 'set MMKD_TRACEBACK=1' in err  # short: a set-up error
    assert 'Epoch(train)' not in train.stdout + err

    # the printed command runs as printed and builds from the new teacher
    lines = err.splitlines()
    command = lines[next(i for i, line in enumerate(lines)
                         if line.startswith('Rebuild it with')) + 1].strip()
    assert not command.endswith('.') and '--draws 2' in command
    rebuilt = subprocess.run(
        shlex.split(command),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert _teacher_fp(cache_dir) == checkpoint_fingerprint(second)
    check_model_side(cache_dir, second, None)
