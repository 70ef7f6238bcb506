"""Checking, before training, that the teacher cache is the one the config
describes."""
import os.path as osp
from typing import Callable, Optional

from mmengine.hooks import Hook

from mmkd.registry import HOOKS
from . import storage
from .fingerprint import (cache_dir_of, checkpoint_fingerprint,
                          config_parts, differences, sha256_of)


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
    for key, part in config_parts(cfg).items():
        now[key] = sha256_of(part)
        if key in built_from.get('parts', {}):
            details[key] = '; '.join(
                differences(built_from['parts'][key], part))
    error = storage.mismatch_error(cache_dir, header, now, config_path,
                                   details)
    if error is not None:
        raise error
    return header


@HOOKS.register_module()
class TeacherCacheCheckHook(Hook):
    """Before training, stop with a clear message if the teacher cache the
    training pipeline reads was built from another teacher checkpoint,
    pipeline, data preprocessor or data set than the config's
    (:func:`check_teacher_cache`)."""

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        header = check_teacher_cache(
            runner.cfg, getattr(runner.cfg, 'filename', None),
            runner.logger.warning)
        runner.logger.info(
            f'Teacher cache matches the config: {header["num_samples"]} '
            f'samples x {header["draws"]} draws, top {header["topk"]} of '
            f'{header["num_classes"]} classes at tau={header["tau"]:g}.')
