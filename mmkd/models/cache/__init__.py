"""The teacher output cache (FKD-style): soft labels per sample and
augmentation draw, stored ahead of training; see docs/teacher_cache.md.
Its loss is ``mmkd.models.losses.CachedKDLoss``, its check hook
``mmkd.engine.hooks.TeacherCacheCheckHook``."""
from .algorithm import CachedTeacherDistill
from .build import build_teacher_cache
from .check import check_teacher_cache
from .storage import TeacherCache, TeacherCacheError

__all__ = [
    'CachedTeacherDistill', 'TeacherCache',
    'TeacherCacheError', 'build_teacher_cache', 'check_teacher_cache'
]
