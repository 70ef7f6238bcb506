from ..teacher import load_teacher_checkpoint
from .base import BaseDistillAlgorithm
from .single_teacher_distill import SingleTeacherDistill

__all__ = [
    'BaseDistillAlgorithm', 'SingleTeacherDistill', 'load_teacher_checkpoint'
]
