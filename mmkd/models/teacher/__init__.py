from .checkpoint import load_teacher_checkpoint
from .early_exit import EarlyExitPlanner, TeacherExit
from .execution import BatchCall, TeacherExecution
from .frozen_teacher import FrozenTeacher, FrozenTeacherHolder

__all__ = [
    'load_teacher_checkpoint', 'EarlyExitPlanner', 'TeacherExit',
    'FrozenTeacher', 'FrozenTeacherHolder', 'BatchCall', 'TeacherExecution'
]
