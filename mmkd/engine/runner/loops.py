"""A training loop that runs the teacher one batch ahead of the student."""
from mmengine.runner import EpochBasedTrainLoop

from mmkd.models.recorders import unwrap_model
from mmkd.registry import LOOPS


@LOOPS.register_module()
class TeacherAheadEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that hands the next batch to the model's
    ``run_teacher_ahead`` before training on the current one, so the
    frozen teacher's forward for batch k+1 overlaps the student's step on
    batch k (on CPU on its own thread, on GPU on its own CUDA stream or
    device).

    The records the losses receive are the same as in the sequential step;
    the teacher only runs earlier. Where the pipeline cannot hold (a teacher
    recorder on a module-level function, random batch augments in the data
    preprocessor, distillation switched off) the step runs sequentially
    and the reason is logged once. Takes the arguments of
    ``EpochBasedTrainLoop``.
    """

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        model = unwrap_model(self.runner.model)
        ahead = getattr(model, 'run_teacher_ahead', None)
        if ahead is None and not getattr(self, '_warned', False):
            self._warned = True
            self.runner.logger.warning(
                f'{type(model).__name__} cannot run a teacher ahead; '
                'training runs sequentially.')
        batches = iter(self.dataloader)
        batch = next(batches, None)
        idx = 0
        while batch is not None:
            following = next(batches, None)
            if ahead is not None and following is not None:
                problem = ahead(following)
                if problem and not getattr(self, '_warned', False):
                    self._warned = True
                    self.runner.logger.warning(
                        f'The teacher runs in sequence with the student: '
                        f'{problem}.')
            self.run_iter(idx, batch)
            batch, idx = following, idx + 1
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
