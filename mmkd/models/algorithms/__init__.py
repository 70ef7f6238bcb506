from ..teacher import load_teacher_checkpoint
from .adversarial_data_free import AdversarialDataFreeDistill  # noqa: F401
from .base import BaseDistillAlgorithm
from .cached_teacher_distill import CachedTeacherDistill  # noqa: F401
from .data_free import DAFLDistill  # noqa: F401
from .multi_teacher_distill import MultiTeacherDistill  # noqa: F401
from .mutual_learning import MutualLearning  # noqa: F401
from .self_distill import SelfDistill  # noqa: F401
from .single_teacher_distill import SingleTeacherDistill

__all__ = [
    'BaseDistillAlgorithm', 'SingleTeacherDistill', 'load_teacher_checkpoint'
]
