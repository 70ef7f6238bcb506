"""Checking the teacher output cache against the whole config before
training (docs/teacher_cache.md)."""
from mmengine.hooks import Hook

from mmkd.datasets.teacher_cache.check import check_teacher_cache
from mmkd.registry import HOOKS


@HOOKS.register_module()
class TeacherCacheCheckHook(Hook):
    """Before training, stop with a clear message if the teacher cache the
    training pipeline reads was built from another teacher checkpoint,
    pipeline, data preprocessor or data set than the config's
    (:func:`check_teacher_cache`). The replay step and
    ``CachedTeacherDistill`` check the cache without it; this hook adds the
    data set config and names the config file in the rebuild command."""

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        header = check_teacher_cache(runner.cfg,
                                     getattr(runner.cfg, 'filename', None),
                                     runner.logger.warning)
        runner.logger.info(
            f'Teacher cache matches the config: {header["num_samples"]} '
            f'samples x {header["draws"]} draws, top {header["topk"]} of '
            f'{header["num_classes"]} classes at tau={header["tau"]:g}.')
