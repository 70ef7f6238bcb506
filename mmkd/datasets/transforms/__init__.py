# mmcv's transforms (RandomFlip, Resize, Normalize, ...) register into
# MMEngine's root TRANSFORMS; importing them here makes them reachable from
# configs with default_scope='mmkd'.
import mmcv.transforms  # noqa: F401

from .formatting import PackClsInputs
from .processing import RandomCrop, RandomRotation
from . import teacher_cache  # noqa: F401  replayable augmentations

__all__ = ['PackClsInputs', 'RandomCrop', 'RandomRotation']
