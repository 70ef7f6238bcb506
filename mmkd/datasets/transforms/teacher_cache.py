"""Augmentations whose random draws can be recorded and replayed, and the
pipeline step that trains from a teacher output cache.

The teacher output cache (FKD, Shen & Xing, "A Fast Knowledge Distillation
Framework for Visual Recognition", ECCV 2022) stores, for every training
image and each of ``K`` augmentation draws, the draw's random parameters and
the teacher's top-k logits on the augmented image. Training then picks one
of the ``K`` draws per sample, replays its parameters exactly and hands the
stored soft label to the loss, so the teacher never runs.

A replayable transform declares the parameters it draws in
``aug_param_fields`` (``(name, numpy dtype)`` pairs) and keeps them in
``results['aug_params']``: when a field is already there it applies that
value instead of drawing a new one. See docs/teacher_cache.md.
``RecordedRandomFlip`` (mmcv's ``RandomFlip``, recorded) is in
``recorded_flip.py``, registered where mmcv is installed.
"""
import hashlib
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from mmkd.registry import TRANSFORMS
from ..teacher_cache.check import TeacherCacheStamp, check_transforms
from ..teacher_cache.storage import TeacherCache, TeacherCacheError
from .base import BaseTransform
from .processing import RandomCrop


def aug_params(results: dict) -> dict:
    """The draw's parameters: replayed ones, or where new draws go."""
    return results.setdefault('aug_params', {})


def image_hash(img: np.ndarray) -> int:
    """A 64-bit hash of an image's shape, dtype and pixels (how the cache
    checks that sample ``i`` is still the image it was built from)."""
    img = np.ascontiguousarray(img)
    digest = hashlib.blake2b(
        f'{img.shape}{img.dtype.str}'.encode(), digest_size=8)
    digest.update(img.data)
    return int.from_bytes(digest.digest(), 'little')


@TRANSFORMS.register_module()
class RecordedRandomCrop(RandomCrop):
    """:class:`RandomCrop` whose window is recorded or replayed.

    The window's top-left corner (in the padded image) is kept as
    ``results['aug_params'][f'{param_key}_top']`` and ``..._left``; given
    there, it is applied instead of a random one.

    Args:
        param_key (str): Prefix of the recorded fields; give two crops of
            one pipeline different keys. Defaults to ``'crop'``.
        **kwargs: The arguments of :class:`RandomCrop` (``crop_size``,
            ``padding``, ``pad_val``, ``padding_mode``).
    """

    def __init__(self, *args, param_key: str = 'crop', **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.param_key = param_key
        self.aug_param_fields = ((f'{param_key}_top', 'i4'),
                                 (f'{param_key}_left', 'i4'))

    def transform(self, results: dict) -> dict:
        img = results['img']
        if self.padding is not None:
            img = self._pad(img)
        crop_h, crop_w = self.crop_size
        height, width = img.shape[:2]
        if height < crop_h or width < crop_w:
            raise ValueError(
                f'{type(self).__name__}: the image is {height}x{width} after '
                f'padding, smaller than crop_size {crop_h}x{crop_w}.')
        params = aug_params(results)
        top_key, left_key = (name for name, _ in self.aug_param_fields)
        if top_key in params:
            top, left = int(params[top_key]), int(params[left_key])
            if not (0 <= top <= height - crop_h
                    and 0 <= left <= width - crop_w):
                raise ValueError(
                    f'{type(self).__name__}: replayed window ({top}, {left}) '
                    f'does not fit a {height}x{width} padded image; the '
                    'draws were recorded on other images or settings.')
        else:
            top = np.random.randint(0, height - crop_h + 1)
            left = np.random.randint(0, width - crop_w + 1)
            params[top_key], params[left_key] = int(top), int(left)
        results['img'] = np.ascontiguousarray(img[top:top + crop_h,
                                                  left:left + crop_w])
        results['img_shape'] = (crop_h, crop_w)
        return results

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', param_key={self.param_key!r})'


def _param_fields(transforms: Sequence) -> List[Tuple[str, str]]:
    fields, seen = [], {}
    for transform in transforms:
        declared = getattr(transform, 'aug_param_fields', None)
        name = type(transform).__name__
        if declared is None and 'random' in name.lower():
            raise ValueError(
                f'TeacherCacheReplay: {name} draws random parameters that '
                'the cache cannot record or replay, so the stored soft '
                'labels would not match the images. Use a replayable '
                'transform (RecordedRandomCrop, RecordedRandomFlip, or one '
                'that declares aug_param_fields), or move it out of '
                'TeacherCacheReplay.transforms.')
        for field, dtype in declared or ():
            if field in seen:
                raise ValueError(
                    f'TeacherCacheReplay: {seen[field]} and {name} both '
                    f'record {field!r}; give one of them another param_key.')
            seen[field] = name
            fields.append((field, np.dtype(dtype).str))
    return fields


@TRANSFORMS.register_module()
class TeacherCacheReplay(BaseTransform):
    """Replay one cached augmentation draw and attach the teacher's soft
    label, or (``cache_dir=None``) record a draw for the cache builder.

    ``transforms`` is the random part of the training pipeline followed by
    the packing step (e.g. ``RecordedRandomCrop``, ``RecordedRandomFlip``,
    ``PackClsInputs``).

    Replay (training): for ``results['sample_idx']`` it picks one of the
    cache's ``K`` draws with numpy's global generator (seeded per
    dataloader worker by ``randomness.seed``, like every augmentation),
    checks that the incoming image is the one the draw was recorded on,
    replays the draw's parameters and sets on the packed data sample:

    - ``teacher_topk_logits`` (float32, ``(k, )``): the teacher's largest
      logits, descending;
    - ``teacher_topk_classes`` (int64, ``(k, )``): their classes;
    - ``teacher_tail_mass`` (float32, ``(1, )``): the probability
      ``softmax(logits / tau)`` puts outside the top k;
    - metainfo ``teacher_cache_tau`` (that ``tau``), ``cache_draw`` and
      ``teacher_cache`` (a :class:`TeacherCacheStamp`, with which
      ``CachedTeacherDistill`` checks the cache against its teacher
      once).

    The three arrays are numpy arrays, not tensors: a dataloader worker
    hands a tensor to the main process through a shared-memory segment of
    its own, which costs far more than the few bytes pickled with the
    sample (``CachedKDLoss`` stacks them per batch).

    Opening the cache checks its files (sizes, and checksums once per
    process) and that ``transforms`` are the ones the draws were recorded
    with.

    Record (``tools/build_teacher_cache.py``): the transforms draw new
    parameters, which go into the packed sample's metainfo as
    ``aug_params`` together with ``cache_image_hash``.

    Args:
        transforms (list[dict | callable]): Replayable random transforms,
            then the packing transform.
        cache_dir (str, optional): The cache to train from; None records.
            Defaults to None.
        check_images (bool): Check each sample's image against the hash
            stored at build time (catches a changed or reordered data set).
            Defaults to True.
    """

    def __init__(self,
                 transforms: Sequence[Union[dict, callable]],
                 cache_dir: Optional[str] = None,
                 check_images: bool = True) -> None:
        transform_cfgs = list(transforms)
        self.transforms = [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in transform_cfgs
        ]
        self.param_fields = _param_fields(self.transforms)
        self.cache_dir = cache_dir
        self.check_images = check_images
        self.cache = None
        if cache_dir is not None:
            self.cache = TeacherCache(cache_dir)
            self.stamp = TeacherCacheStamp(cache_dir)
            check_transforms(cache_dir, self.cache.header, transform_cfgs)
            self.cache.check_param_fields(self.param_fields)

    def _run(self, results: dict) -> dict:
        for transform in self.transforms:
            results = transform(results)
            if results is None:
                return None
        sample = results.get('data_samples') if isinstance(results,
                                                           dict) else None
        if sample is None or not hasattr(sample, 'set_metainfo'):
            raise TypeError(
                'TeacherCacheReplay: the last of its transforms must pack the '
                'sample (e.g. PackClsInputs), so that the cached soft label '
                'can go into its data sample.')
        return results

    def transform(self, results: dict) -> Optional[dict]:
        img_hash = image_hash(results['img'])
        if self.cache is None:
            params = {}
            results['aug_params'] = params
            packed = self._run(results)
            if packed is not None:
                packed['data_samples'].set_metainfo(
                    dict(aug_params=dict(params), cache_image_hash=img_hash))
            return packed
        index = results['sample_idx']
        draw = int(np.random.randint(self.cache.draws))
        entry = self.cache.lookup(index, draw)
        if self.check_images and entry['image_hash'] != img_hash:
            raise TeacherCacheError(
                f'Teacher cache {self.cache_dir}: sample {index} is not the '
                'image the cache was built from (another data set, split, '
                'order or file). ' + self.cache.hint())
        results['aug_params'] = dict(entry['params'])
        packed = self._run(results)
        if packed is None:
            return None
        sample = packed['data_samples']
        sample.teacher_topk_logits = entry['logits'].astype(np.float32)
        sample.teacher_topk_classes = entry['classes'].astype(np.int64)
        sample.teacher_tail_mass = np.array([entry['tail_mass']],
                                            dtype=np.float32)
        sample.set_metainfo(
            dict(
                teacher_cache_tau=self.cache.tau,
                cache_draw=draw,
                teacher_cache=self.stamp))
        return packed

    def __repr__(self) -> str:
        inner = ', '.join(repr(t) for t in self.transforms)
        return (f'{type(self).__name__}(transforms=[{inner}], '
                f'cache_dir={self.cache_dir!r}, '
                f'check_images={self.check_images})')
