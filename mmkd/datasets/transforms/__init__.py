"""mmkd's transforms; they need no mmcv.

mmcv's transforms (``RandomFlip``, ``Resize``, ``Normalize``, ...) register
into MMEngine's root ``TRANSFORMS`` when mmcv is installed, which makes them
reachable from configs with ``default_scope='mmkd'``; the CIFAR configs use
its ``RandomFlip``. Without mmcv (the core install) the configs that use
only mmkd's transforms (the digits ones) still build; a config that names an
mmcv transform fails to build it, naming the transform.
"""
import importlib.util

from . import teacher_cache  # noqa: F401  replayable augmentations
from .formatting import PackClsInputs
from .processing import RandomCrop, RandomRotation

if importlib.util.find_spec('mmcv') is not None:
    import mmcv.transforms  # noqa: F401

    from . import recorded_flip  # noqa: F401  needs mmcv's RandomFlip

__all__ = ['PackClsInputs', 'RandomCrop', 'RandomRotation']
