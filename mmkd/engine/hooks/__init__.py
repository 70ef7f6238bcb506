from .atomic_checkpoint_hook import AtomicCheckpointHook
from .broadcast_buffers_hook import BroadcastBuffersHook
from .distillation_hooks import (DistillLossWarmupHook, EvaluateTeacherHook,
                                 StopDistillHook)
from .evaluate_each_student_hook import EvaluateEachStudentHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .recipe import (DatasetLabelsHook, InitStageHook, RecipeHook,
                     apply_total_batch_size)
from .teacher_cache_check_hook import TeacherCacheCheckHook

__all__ = [
    'AtomicCheckpointHook', 'BroadcastBuffersHook', 'DistillLossWarmupHook',
    'EvaluateTeacherHook', 'StopDistillHook', 'FiniteLossHook',
    'NonFiniteLossError', 'DatasetLabelsHook', 'InitStageHook', 'RecipeHook',
    'apply_total_batch_size', 'EvaluateEachStudentHook',
    'TeacherCacheCheckHook'
]
