"""Training from the cache runs without a teacher; a 2-process gloo build
writes one shard per rank."""
import copy
import math

import pytest
from cache_utils import TinyImages, tiny_cfg
from ddp_utils import init_gloo, spawn_and_wait
from mmengine.runner import Runner
from tool_utils import free_port

from mmkd.datasets.teacher_cache import TeacherCache, build_teacher_cache
from mmkd.registry import MODELS


def test_training_from_the_cache_never_builds_the_teacher(
        tmp_path, teacher_ckpt, quiet):
    cache_dir = str(tmp_path / 'cache')
    cfg = tiny_cfg(cache_dir, teacher_ckpt, num_samples=16)
    build_teacher_cache(cfg, draws=2, topk=4, log=quiet[0])
    # anything that builds the teacher now fails
    cfg.model.teacher = dict(type='_CacheExplodingTeacher')
    cfg.update(
        work_dir=str(tmp_path / 'work'),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='TeacherCacheCheckHook')],
        log_level='WARNING',
        randomness=dict(seed=0))
    runner = Runner.from_cfg(cfg)
    algorithm = runner.model
    assert type(algorithm).__name__ == 'CachedTeacherDistill'
    assert list(algorithm.frozen_teachers()) == []
    assert all(
        key.startswith('architecture.') for key in algorithm.state_dict())
    runner.train()
    kd = runner.message_hub.get_scalar('train/distill.loss_kd')
    assert runner.iter == 8 and math.isfinite(kd.current()) and \
        kd.current() > 0


def test_a_distiller_with_teacher_recorders_is_refused():
    with pytest.raises(ValueError, match='runs no teacher'):
        MODELS.build(
            dict(
                type='CachedTeacherDistill',
                architecture=dict(type='SimpleCNN', num_classes=10),
                distiller=dict(
                    type='ConfigurableDistiller',
                    student_distill_layer=['linear'],
                    teacher_distill_layer=['linear'],
                    loss=[dict(type='KDLoss')],
                    weights=[1.0])))


def _build_rank(rank, world, port, cfg, out_dir):
    init_gloo(rank, world, port)
    from mmengine.registry import init_default_scope

    from mmkd.registry import DATASETS
    from mmkd.utils import teardown_distributed
    init_default_scope('mmkd')
    DATASETS.register_module(
        name='_CacheTinyImages', module=TinyImages, force=True)
    build_teacher_cache(
        cfg, out_dir=out_dir, draws=2, topk=4, log=lambda line: None)
    teardown_distributed()


def test_two_process_gloo_build_writes_one_shard_per_rank(
        tmp_path, teacher_ckpt):
    out_dir = str(tmp_path / 'cache')
    cfg = tiny_cfg(out_dir, teacher_ckpt, num_samples=9)
    spawn_and_wait(_build_rank, (2, free_port(), copy.deepcopy(cfg), out_dir),
                   'the 2-process build')
    cache = TeacherCache(out_dir)
    assert cache.header['world_size'] == 2
    rows = [shard['sample_idx'].tolist() for shard in cache.shards()]
    assert rows == [[0, 2, 4, 6, 8], [1, 3, 5, 7]]
    assert cache.lookup(7, 1)['classes'].shape == (4, )
