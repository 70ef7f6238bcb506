"""The teacher output cache (FKD-style): soft labels per sample and
augmentation draw, stored ahead of training; see docs/teacher_cache.md."""
from .algorithm import CachedTeacherDistill
from .build import build_teacher_cache
from .check import TeacherCacheCheckHook, check_teacher_cache
from .loss import CachedKDLoss
from .storage import TeacherCache, TeacherCacheError

__all__ = [
    'CachedKDLoss', 'CachedTeacherDistill', 'TeacherCache',
    'TeacherCacheCheckHook', 'TeacherCacheError', 'build_teacher_cache',
    'check_teacher_cache'
]
