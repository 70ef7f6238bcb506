"""A cache is checked wherever it is used: damaged shard files, another
teacher, augmentation or data preprocessor stop training before its first
update, with no hook in the config."""
import copy
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from cache_utils import save_teacher, tiny_cfg
from mmengine.runner import Runner

from mmkd.datasets.teacher_cache import (TeacherCache, TeacherCacheError,
                                         build_teacher_cache, integrity)
from mmkd.registry import DATASETS

SHARD = 'shard-00000-of-00001'


@pytest.fixture
def built(tmp_path, teacher_ckpt, quiet):
    cache_dir = str(tmp_path / 'cache')
    cfg = tiny_cfg(cache_dir, teacher_ckpt)
    build_teacher_cache(cfg, draws=2, topk=4, log=quiet[0])
    return cfg, cache_dir


def _runner(cfg, tmp_path, hooks=()):
    cfg.update(
        work_dir=str(tmp_path / 'work'),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=list(hooks),
        log_level='WARNING',
        randomness=dict(seed=0))
    return Runner.from_cfg(cfg)


def test_a_truncated_shard_names_its_file(built):
    _, cache_dir = built
    path = osp.join(cache_dir, SHARD, 'topk_logits.npy')
    with open(path, 'r+b') as f:
        f.truncate(os.path.getsize(path) - 16)
    with pytest.raises(
            TeacherCacheError, match=f'{path} is .* bytes, the build wrote'):
        TeacherCache(cache_dir)


def test_labels_shuffled_in_place_are_refused(built, monkeypatch):
    _, cache_dir = built
    TeacherCache(cache_dir)  # verified, and remembered in this process
    hashed = []
    record = integrity.file_record
    monkeypatch.setattr(integrity, 'file_record',
                        lambda path: hashed.append(path) or record(path))
    cache = TeacherCache(cache_dir)
    assert hashed == []  # once per process and build
    # a dataloader worker gets the verified cache: no hashing there either
    clone = pickle.loads(pickle.dumps(cache))
    assert clone.lookup(3, 1)['classes'].shape == (4, )
    assert hashed == []

    classes = np.load(
        osp.join(cache_dir, SHARD, 'topk_classes.npy'), mmap_mode='r+')
    classes[:] = classes[::-1].copy()  # same size, other labels
    classes.flush()
    del classes
    monkeypatch.setattr(integrity, '_VERIFIED', set())  # a new process
    with pytest.raises(
            TeacherCacheError,
            match='topk_classes.npy does not match the checksum'):
        TeacherCache(cache_dir)
    assert len(hashed) >= 1


def test_another_teacher_stops_training_without_the_check_hook(
        built, tmp_path):
    cfg, cache_dir = built
    other = str(tmp_path / 'other.pth')
    save_teacher(other, seed=2)
    cfg.model.teacher_ckpt = other
    runner = _runner(cfg, tmp_path, [dict(type='EmptyCacheHook')])
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    with pytest.raises(TeacherCacheError) as err:
        runner.train()
    message = str(err.value)
    assert 'teacher checkpoint' in message and 'other.pth' in message
    assert f'model.teacher_ckpt={other}' in message
    assert runner.iter == 0
    after = runner.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_another_augmentation_is_refused_when_the_cache_is_opened(
        built, tmp_path):
    cfg, cache_dir = built
    changed = tiny_cfg(cache_dir, cfg.model.teacher_ckpt, padding=2)
    with pytest.raises(
            TeacherCacheError,
            match=r'other augmentations.*transforms\[0\]'
            r'.padding: 1 -> 2'):
        DATASETS.build(copy.deepcopy(changed.train_dataloader.dataset))
    # the same through a run whose config lists its own hooks: refused
    # while the run is set up, before any step
    with pytest.raises(TeacherCacheError, match='other augmentations'):
        _runner(changed, tmp_path, [dict(type='EmptyCacheHook')]).train()


def test_another_data_preprocessor_stops_training(built, tmp_path):
    cfg, _ = built
    cfg.data_preprocessor.std = [32.0] * 3
    runner = _runner(cfg, tmp_path)
    with pytest.raises(
            TeacherCacheError, match=r'another data preprocessor.*std'):
        runner.train()
    assert runner.iter == 0
