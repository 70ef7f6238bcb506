"""What a task's own hooks expect of a model that wraps the student."""
from typing import Dict

import torch.nn as nn


def _from_package(model: nn.Module, package: str) -> bool:
    return any(
        cls.__module__.split('.')[0] == package for cls in type(model).__mro__)


def task_aliases(student: nn.Module) -> Dict[str, str]:
    """Extra attribute names under which a wrapping algorithm shows its
    student to the task's hooks.

    mmdet's hooks look for the detector of a wrapping model as
    ``model.detector`` (e.g. ``YOLOXModeSwitchHook`` sets
    ``model.detector.bbox_head.use_l1``).
    """
    if _from_package(student, 'mmdet'):
        return {'detector': 'architecture'}
    return {}
