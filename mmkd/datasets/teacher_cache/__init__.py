"""The teacher output cache (FKD-style): soft labels per sample and
augmentation draw, stored ahead of training (docs/teacher_cache.md).

Split by role: its storage, builder and checks here; the replay step in
``mmkd.datasets.transforms``; ``CachedKDLoss`` in ``mmkd.models.losses``;
``CachedTeacherDistill`` in ``mmkd.models.algorithms``;
``TeacherCacheCheckHook`` in ``mmkd.engine.hooks``.
"""
from .build import build_teacher_cache
from .check import TeacherCacheStamp, check_teacher_cache
from .storage import TeacherCache, TeacherCacheError

__all__ = [
    'TeacherCache', 'TeacherCacheError', 'TeacherCacheStamp',
    'build_teacher_cache', 'check_teacher_cache'
]
