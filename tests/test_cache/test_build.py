"""Building, reading and checking the teacher output cache."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from cache_utils import NUM_CLASSES, TEACHER, save_teacher, tiny_cfg
from numeric import assert_close, float64

from mmkd.datasets.teacher_cache import (TeacherCache, TeacherCacheError,
                                         build_teacher_cache,
                                         check_teacher_cache)
from mmkd.datasets.teacher_cache.build import _Draws, shard_coverage
from mmkd.registry import DATASETS, MODELS

DRAWS = 3


def _dataset(cfg, cache_dir):
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.pipeline[0]['cache_dir'] = cache_dir
    return DATASETS.build(dataset_cfg)


def _teacher(ckpt):
    teacher = MODELS.build(copy.deepcopy(TEACHER)).eval()
    teacher.load_state_dict(torch.load(ckpt)['state_dict'])
    return teacher


@pytest.fixture
def built(tmp_path, teacher_ckpt, quiet):
    cache_dir = str(tmp_path / 'cache')
    cfg = tiny_cfg(cache_dir, teacher_ckpt)
    build_teacher_cache(
        cfg, draws=DRAWS, topk=4, value_dtype='float32', log=quiet[0])
    return cfg, cache_dir


@pytest.mark.numeric
def test_round_trip_gives_the_teachers_top_k_on_the_replayed_image(
        tmp_path, teacher_ckpt, quiet):
    """The cache against the live teacher. The builder runs the teacher on
    batches and this test on single images, which sums in another order:
    both run in float64, so the stored float32 logits differ from the live
    ones by their own rounding only (and no near-tie can swap the top-k
    classes on another CPU). Planted errors it catches: the soft labels of
    another draw of the same image, and top-k values stored unsorted."""
    with float64():
        _check_round_trip(tmp_path, teacher_ckpt, quiet)


def _check_round_trip(tmp_path, teacher_ckpt, quiet):
    cache_dir = str(tmp_path / 'cache')
    cfg = tiny_cfg(cache_dir, teacher_ckpt)
    build_teacher_cache(
        cfg, draws=DRAWS, topk=4, value_dtype='float32', log=quiet[0])
    header = TeacherCache(cache_dir).header
    assert (header['num_samples'], header['draws'], header['topk'],
            header['num_classes'], header['tau']) == (12, DRAWS, 4,
                                                      NUM_CLASSES, 4.0)
    teacher = _teacher(cfg.model.teacher_ckpt)
    preprocessor = MODELS.build(cfg.data_preprocessor)
    replay, record = _dataset(cfg, cache_dir), _dataset(cfg, None)
    recorded = _Draws(record, np.arange(12), DRAWS, seed=0)
    draws_seen = set()
    for seed in range(4):
        np.random.seed(seed)
        for index in range(12):
            packed = replay[index]
            sample = packed['data_samples']
            draw = sample.cache_draw
            draws_seen.add(draw)
            # the image is the one the teacher saw at build time
            _, _, at_build = recorded[index * DRAWS + draw]
            assert torch.equal(packed['inputs'], at_build['inputs'])
            data = preprocessor(
                dict(inputs=[packed['inputs']], data_samples=[sample]))
            with torch.no_grad():
                logits = teacher(data['inputs'], mode='tensor')[0]
            values, classes = logits.topk(4)
            # numpy arrays: cheap to hand over from dataloader workers
            assert sample.teacher_topk_classes.dtype == np.int64
            assert torch.equal(
                torch.from_numpy(sample.teacher_topk_classes), classes)
            # float32 storage of float64 values: half a float32 ulp
            assert_close(
                torch.from_numpy(sample.teacher_topk_logits),
                values,
                rtol=1e-7,
                name='top-k logits')
            probs = torch.softmax(logits.double() / 4.0, dim=0)
            tail = 1 - probs[classes].sum()
            assert torch.allclose(
                torch.from_numpy(sample.teacher_tail_mass).double(),
                tail.reshape(1),
                atol=1e-6)
            assert sample.teacher_cache_tau == 4.0
    assert draws_seen == set(range(DRAWS))


def test_float16_cache_keeps_logits_to_half_precision(tmp_path, teacher_ckpt,
                                                      quiet):
    cache_dir = str(tmp_path / 'half')
    cfg = tiny_cfg(cache_dir, teacher_ckpt)
    build_teacher_cache(cfg, draws=2, topk=NUM_CLASSES, log=quiet[0])
    cache = TeacherCache(cache_dir)
    assert cache.header['value_dtype'] == 'float16'
    entry = cache.lookup(5, 1)
    assert entry['logits'].dtype == np.float16
    assert entry['classes'].dtype == np.int16
    assert sorted(entry['classes'].tolist()) == list(range(NUM_CLASSES))
    assert entry['tail_mass'] == 0.0
    assert list(entry['params']) == ['crop_top', 'crop_left', 'flip']


def test_a_changed_teacher_pipeline_or_data_set_is_named(
        built, tmp_path, quiet):
    cfg, cache_dir = built
    check_teacher_cache(cfg, warn=quiet[0])  # as built: fine
    # the same weights, saved elsewhere with other metadata: still fine
    same = str(tmp_path / 'copy.pth')
    ckpt = torch.load(cfg.model.teacher_ckpt)
    torch.save(dict(ckpt, meta=dict(epoch=3)), same)
    cfg.model.teacher_ckpt = same
    check_teacher_cache(cfg, warn=quiet[0])

    other = str(tmp_path / 'other.pth')
    save_teacher(other, seed=2)
    cfg.model.teacher_ckpt = other
    with pytest.raises(TeacherCacheError) as err:
        check_teacher_cache(cfg, 'my_config.py')
    message = str(err.value)
    assert 'teacher checkpoint' in message and 'other.pth' in message
    assert 'pipeline' not in message
    assert f'build_teacher_cache.py my_config.py --out {cache_dir}' in message

    changed_pipeline = tiny_cfg(cache_dir, same, padding=2)
    with pytest.raises(
            TeacherCacheError,
            match=r'training pipeline.*transforms\[0\]'
            r'.padding: 1 -> 2'):
        check_teacher_cache(changed_pipeline)
    changed_data = tiny_cfg(cache_dir, same, num_samples=10)
    with pytest.raises(
            TeacherCacheError, match='data set config.*num_samples: 12 -> 10'):
        check_teacher_cache(changed_data)
    # moving the cache (only cache_dir differs) changes nothing
    moved = tiny_cfg(cache_dir, same)
    moved.train_dataloader.dataset.pipeline[0]['check_images'] = False
    check_teacher_cache(moved, warn=quiet[0])


def test_builder_keeps_an_up_to_date_cache_and_rebuilds_a_stale_one(
        built, tmp_path, quiet):
    cfg, cache_dir = built
    log, lines = quiet
    first = TeacherCache(cache_dir).header['build_id']
    build_teacher_cache(
        cfg, draws=DRAWS, topk=4, value_dtype='float32', log=log)
    assert 'up to date' in lines[-1]
    assert TeacherCache(cache_dir).header['build_id'] == first
    other = str(tmp_path / 'other.pth')
    save_teacher(other, seed=2)
    cfg.model.teacher_ckpt = other
    build_teacher_cache(
        cfg, draws=DRAWS, topk=4, value_dtype='float32', log=log)
    assert any('fingerprints changed' in line for line in lines)
    assert TeacherCache(cache_dir).header['build_id'] != first
    check_teacher_cache(cfg)


def test_replay_checks_each_image_and_the_cache_exists(built, tmp_path):
    cfg, cache_dir = built
    other_images = copy.deepcopy(cfg.train_dataloader.dataset)
    other_images.seed = 1
    other_images.pipeline[0]['cache_dir'] = cache_dir
    with pytest.raises(ValueError, match='not the image the cache'):
        DATASETS.build(other_images)[0]
    with pytest.raises(TeacherCacheError, match='No teacher cache'):
        TeacherCache(str(tmp_path / 'nothing'))


def test_two_ranks_cover_every_sample_once_and_match_one_rank(
        built, tmp_path, quiet):
    cfg, single_dir = built
    shard_dir = str(tmp_path / 'shards')
    for rank in (1, 0):  # rank 0, last, writes the header
        build_teacher_cache(
            cfg,
            out_dir=shard_dir,
            draws=DRAWS,
            topk=4,
            value_dtype='float32',
            rank=rank,
            world_size=2,
            build_id='simulated',
            log=quiet[0])
    header = TeacherCache(shard_dir).header
    assert header['shards'] == ['shard-00000-of-00002', 'shard-00001-of-00002']
    coverage = shard_coverage(shard_dir)
    assert [c.tolist() for c in coverage
            ] == [list(range(0, 12, 2)),
                  list(range(1, 12, 2))]
    merged = np.concatenate(coverage)
    assert sorted(merged.tolist()) == list(range(12)) and len(merged) == 12
    single, sharded = TeacherCache(single_dir), TeacherCache(shard_dir)
    for index in range(12):
        for draw in range(DRAWS):
            one, two = single.lookup(index, draw), sharded.lookup(index, draw)
            assert one['params'] == two['params']
            np.testing.assert_array_equal(one['logits'], two['logits'])
            np.testing.assert_array_equal(one['classes'], two['classes'])
    assert osp.isfile(osp.join(shard_dir, 'header.json'))


def test_builder_says_what_the_tail_mass_means(tmp_path, teacher_ckpt, quiet):
    from mmkd.datasets.teacher_cache.build import LARGE_TAIL, tail_note
    large = tail_note(0.63, 3, 10, 4.0)
    assert 'Mean tail mass 0.6300' in large and '63.0%' in large
    assert 'spreads it evenly over the other 7 classes' in large
    assert 'larger --topk' in large
    assert 'larger --topk' not in tail_note(LARGE_TAIL / 2, 3, 10, 4.0)
    assert 'exact' in tail_note(0.0, 10, 10, 4.0)
    log, lines = quiet
    cfg = tiny_cfg(str(tmp_path / 'cache'), teacher_ckpt)
    build_teacher_cache(cfg, draws=1, topk=2, log=log)
    written = next(line for line in lines if 'Mean tail mass' in line)
    assert 'spreads it evenly over the other 8 classes' in written


def test_rebuild_command_carries_the_builds_options(built):
    from mmkd.datasets.teacher_cache.hint import rebuild_command
    _, cache_dir = built
    header = dict(TeacherCache(cache_dir).header)
    header['built_from'] = dict(
        header['built_from'],
        config='my cfg.py',
        cfg_options={
            'a.b': [1, 2],
            'c': 'x y'
        })
    command = rebuild_command(cache_dir, header, teacher_ckpt='new.pth')
    assert f"'my cfg.py' --out {cache_dir} --draws {DRAWS} --topk 4" \
        in command
    assert "--value-dtype float32 --cfg-options 'a.b=[1,2]' 'c=x y' " \
        'model.teacher_ckpt=new.pth' in command
