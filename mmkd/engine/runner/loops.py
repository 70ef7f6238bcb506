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
    device). Each step's own batch is handed first if it is not under way
    yet (an epoch's first step), so a step waits for its own teacher run
    only.

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
            if ahead is not None:
                # the step's own batch first (a no-op once under way): were
                # the next one handed alone (an epoch's first step, the
                # step after the planning forward), the step would wait for
                # the next batch's teacher run and then run its own
                self._hand_ahead(ahead, batch)
                if following is not None:
                    self._hand_ahead(ahead, following)
            self.run_iter(idx, batch)
            batch, idx = following, idx + 1
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _hand_ahead(self, ahead, batch: dict) -> None:
        """Start the teacher on ``batch``; say once that it runs ahead, or
        why it cannot."""
        problem = ahead(batch)
        if problem is None and not getattr(self, '_said_active', False):
            self._said_active = True
            self.runner.logger.info(
                'TeacherAheadEpochBasedTrainLoop: the teacher runs ahead of '
                'the student (after the first step, which plans its early '
                'exit): each batch\'s teacher forward starts on its own '
                'thread (CUDA stream) while the student trains.')
        if problem and not getattr(self, '_warned', False):
            self._warned = True
            self.runner.logger.warning(
                f'The teacher runs in sequence with the student: {problem}.')
