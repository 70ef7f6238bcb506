"""Recorded augmentation draws replay pixel for pixel."""
import numpy as np
import pytest

from mmkd.datasets.transforms import RandomCrop
from mmkd.datasets.transforms.recorded_flip import RecordedRandomFlip
from mmkd.datasets.transforms.teacher_cache import (RecordedRandomCrop,
                                                    TeacherCacheReplay,
                                                    image_hash)
from mmkd.registry import TRANSFORMS


def _image(seed):
    return np.random.default_rng(seed).integers(
        0, 256, (8, 8, 3), dtype=np.uint8)


def _crop_flip():
    return [
        RecordedRandomCrop(crop_size=8, padding=2),
        RecordedRandomFlip(prob=0.5, direction='horizontal')
    ]


def _apply(transforms, img, params=None):
    results = dict(img=img.copy())
    if params is not None:
        results['aug_params'] = dict(params)
    for transform in transforms:
        results = transform(results)
    return results


def test_replay_equals_record_pixel_for_pixel():
    seen = set()
    for seed in range(40):
        img = _image(seed)
        np.random.seed(seed)
        recorded = _apply(_crop_flip(), img)
        params = recorded['aug_params']
        assert set(params) == {'crop_top', 'crop_left', 'flip'}
        seen.add((params['crop_top'], params['crop_left'], params['flip']))
        np.random.seed(seed + 1000)  # replay draws nothing
        replayed = _apply(_crop_flip(), img, params)
        np.testing.assert_array_equal(replayed['img'], recorded['img'])
        assert replayed['flip'] == recorded['flip'] == bool(params['flip'])
        assert replayed['aug_params'] == params
    assert len(seen) > 10  # the draws do vary


def test_recorded_crop_draws_like_the_plain_crop():
    img = _image(0)
    for seed in range(10):
        np.random.seed(seed)
        plain = RandomCrop(crop_size=8, padding=2)(dict(img=img.copy()))
        np.random.seed(seed)
        recorded = RecordedRandomCrop(
            crop_size=8, padding=2)(
                dict(img=img.copy()))
        np.testing.assert_array_equal(plain['img'], recorded['img'])


def test_replayed_window_must_fit():
    with pytest.raises(ValueError, match='does not fit'):
        _apply([RecordedRandomCrop(crop_size=8, padding=1)], _image(0),
               dict(crop_top=3, crop_left=0))


def test_replay_step_refuses_unrecordable_random_transforms():
    with pytest.raises(ValueError, match='cannot record or replay'):
        TeacherCacheReplay(transforms=[
            dict(type='RandomCrop', crop_size=8, padding=1),
            dict(type='PackClsInputs')
        ])
    with pytest.raises(ValueError, match='another param_key'):
        TeacherCacheReplay(transforms=[
            dict(type='RecordedRandomCrop', crop_size=8),
            dict(type='RecordedRandomCrop', crop_size=8),
            dict(type='PackClsInputs')
        ])
    step = TeacherCacheReplay(
        transforms=[dict(type='RecordedRandomCrop', crop_size=8)])
    with pytest.raises(TypeError, match='pack'):
        step(dict(img=_image(0), sample_idx=0))


def test_record_mode_puts_draw_and_image_hash_into_the_sample():
    step = TRANSFORMS.build(
        dict(
            type='TeacherCacheReplay',
            transforms=[
                dict(type='RecordedRandomCrop', crop_size=8, padding=2),
                dict(type='RecordedRandomFlip', prob=0.5),
                dict(type='PackClsInputs')
            ]))
    img = _image(3)
    np.random.seed(5)
    packed = step(dict(img=img.copy(), sample_idx=0, gt_label=1))
    meta = packed['data_samples'].metainfo
    assert meta['cache_image_hash'] == image_hash(img)
    np.random.seed(5)
    expected = _apply(_crop_flip(), img)
    assert meta['aug_params'] == expected['aug_params']
    np.testing.assert_array_equal(packed['inputs'].permute(1, 2, 0).numpy(),
                                  expected['img'])
    assert image_hash(img) != image_hash(_image(4))
