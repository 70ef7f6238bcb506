"""Checking that a teacher cache is the one the config describes.

Wherever a cache is used, without any hook in the config:

- ``TeacherCacheReplay`` (opening the cache, when the data set is built)
  checks every shard file's size and checksum, and that its augmentations
  are the ones the draws were recorded with (:func:`check_transforms`);
  while training it checks each image against the stored hash;
- ``CachedTeacherDistill`` (at its first step with a cache, before any
  update) checks the teacher checkpoint and the data preprocessor through
  the :class:`TeacherCacheStamp` that each replayed sample carries
  (:func:`check_model_side`).

``TeacherCacheCheckHook`` (``mmkd.engine.hooks``) /
:func:`check_teacher_cache` compare the whole config (also the data set
config) before the first step.
"""
import os.path as osp
from typing import Any, Callable, Dict, Mapping, Optional

from . import storage
from .fingerprint import (cache_dir_of, checkpoint_fingerprint, config_parts,
                          differences, find_replay, plain, sha256_of)


def _teacher_now(header: dict, cache_dir: str, ckpt: Optional[str],
                 warn: Callable[[str],
                                None], now: dict, details: dict) -> None:
    built_from = header.get('built_from', {})
    if ckpt and osp.isfile(ckpt):
        now['teacher'] = checkpoint_fingerprint(ckpt)
        details['teacher'] = f'built from {built_from.get("teacher_ckpt")!r}' \
            f', the config names {ckpt!r}'
    elif ckpt:
        warn(f'Teacher cache {cache_dir}: cannot check the teacher, '
             f'{ckpt!r} is not a local file (the cache was built from '
             f'{built_from.get("teacher_ckpt")!r}).')
    elif header['fingerprints']['teacher'].startswith('untrained:'):
        warn(f'Teacher cache {cache_dir} holds the outputs of an untrained '
             'teacher (built with teacher_ckpt_optional).')


def check_model_side(cache_dir: str,
                     teacher_ckpt: Optional[str],
                     preprocessor: Optional[Any],
                     warn: Callable[[str], None] = print) -> dict:
    """Compare the cache in ``cache_dir`` with the teacher checkpoint and
    the data preprocessor config (None: not known) that training uses.

    Returns:
        dict: The cache's header.

    Raises:
        TeacherCacheError: Naming what changed and the rebuild command.
    """
    header = storage.read_header(cache_dir)
    now: Dict[str, str] = {}
    details: Dict[str, str] = {}
    _teacher_now(header, cache_dir, teacher_ckpt, warn, now, details)
    parts = header.get('built_from', {}).get('parts', {})
    built = parts.get('pipeline', {}).get('data_preprocessor')
    if preprocessor is not None and built is not None and \
            plain(preprocessor) != built:
        message = '; '.join(
            differences(built, plain(preprocessor), 'data_preprocessor'))
        raise storage.TeacherCacheError(
            f'Teacher cache {cache_dir} was built with another data '
            f'preprocessor than the one training uses: {message}. The '
            "teacher's soft labels belong to the inputs it saw. " +
            storage.rebuild_hint(cache_dir, header, None, teacher_ckpt))
    error = storage.mismatch_error(cache_dir, header, now, None, details,
                                   teacher_ckpt)
    if error is not None:
        raise error
    return header


class TeacherCacheStamp:
    """What a replayed data sample carries in its ``teacher_cache``
    metainfo: the cache it was read from, and the check of that cache
    against the model that trains on it. One object per replay step
    (``deepcopy`` keeps it), so a batch pickles it once.

    Args:
        cache_dir (str): The cache folder.
    """

    def __init__(self, cache_dir: str) -> None:
        self.cache_dir = cache_dir

    def check(self,
              teacher_ckpt: Optional[str],
              preprocessor: Optional[Any],
              warn: Callable[[str], None] = print) -> dict:
        """:func:`check_model_side` of this cache."""
        return check_model_side(self.cache_dir, teacher_ckpt, preprocessor,
                                warn)

    def __deepcopy__(self, memo) -> 'TeacherCacheStamp':
        return self  # immutable

    def __repr__(self) -> str:
        return f'TeacherCacheStamp({self.cache_dir!r})'


def check_transforms(cache_dir: str, header: dict, transforms: Any) -> None:
    """The replay step's transforms (as configs) are the ones the cache
    was recorded with: another crop size, padding or flip probability
    would replay draws that the stored soft labels do not describe."""
    pipeline = header.get('built_from', {}).get('parts',
                                                {}).get('pipeline',
                                                        {}).get('pipeline')
    transforms = list(transforms)
    if not pipeline or not all(isinstance(t, Mapping) for t in transforms):
        return  # built objects: their images are still checked by hash
    _, replay = find_replay(pipeline)
    built, now = replay.get('transforms'), plain(transforms)
    if built is not None and built != now:
        message = '; '.join(differences(built, now, 'transforms'))
        raise storage.TeacherCacheError(
            f'Teacher cache {cache_dir} was recorded with other '
            f'augmentations than this TeacherCacheReplay: {message}. ' +
            storage.rebuild_hint(cache_dir, header))


def check_teacher_cache(cfg,
                        config_path: Optional[str] = None,
                        warn: Callable[[str], None] = print) -> dict:
    """Compare the cache that ``cfg`` trains from with what ``cfg`` says
    now: the teacher checkpoint (when it is a local file; training itself
    needs no teacher), the pipeline with the data preprocessor, and the
    data set config.

    Returns:
        dict: The cache's header.

    Raises:
        TeacherCacheError: No complete cache, or a fingerprint differs; the
            message names what changed and the command that rebuilds it.
    """
    cache_dir = cache_dir_of(cfg)
    if not cache_dir:
        raise storage.TeacherCacheError(
            'TeacherCacheReplay in the training pipeline has no cache_dir.')
    header = storage.read_header(cache_dir, config_path)
    built_from = header.get('built_from', {})
    now, details = {}, {}
    ckpt = cfg.model.get('teacher_ckpt')
    _teacher_now(header, cache_dir, ckpt, warn, now, details)
    for key, part in config_parts(cfg).items():
        now[key] = sha256_of(part)
        if key in built_from.get('parts', {}):
            details[key] = '; '.join(
                differences(built_from['parts'][key], part))
    error = storage.mismatch_error(cache_dir, header, now, config_path,
                                   details, ckpt)
    if error is not None:
        raise error
    return header
