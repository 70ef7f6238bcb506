from .distillation_hooks import (DistillLossWarmupHook, EvaluateTeacherHook,
                                 StopDistillHook)

__all__ = ['DistillLossWarmupHook', 'EvaluateTeacherHook', 'StopDistillHook']
