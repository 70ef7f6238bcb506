"""mmkd's transforms; they need no mmcv.

mmcv's transforms (``RandomFlip``, ``Resize``, ``Normalize``, ...) register
into MMEngine's root ``TRANSFORMS`` when mmcv is installed, which makes them
reachable from configs with ``default_scope='mmkd'``; the CIFAR configs use
its ``RandomFlip``. Without mmcv (the core install) the configs that use
only mmkd's transforms (the digits ones) still build; building mmcv's
``RandomFlip`` then stops with an error that says to install mmcv.
"""
import importlib.util

from mmkd.registry import TRANSFORMS
from . import teacher_cache  # noqa: F401  replayable augmentations
from .formatting import PackClsInputs
from .processing import RandomCrop, RandomRotation

# mmcv's transforms that mmkd's own configs (default_scope='mmkd') name
MMCV_TRANSFORMS = ('RandomFlip', )
MMCV_INSTALL = 'pip install mmcv-lite==2.1.0'

if importlib.util.find_spec('mmcv') is not None:
    import mmcv.transforms  # noqa: F401

    from . import recorded_flip  # noqa: F401  needs mmcv's RandomFlip
else:

    def _needs_mmcv(name: str):

        def build(*args, **kwargs):
            raise ModuleNotFoundError(
                f"The transform '{name}' is mmcv's, and mmcv is not "
                f'installed (the core install leaves it out). Install it: '
                f'{MMCV_INSTALL} (mmcv without its compiled ops, enough for '
                'transforms; the det and seg extras need the full mmcv).',
                name='mmcv')

        build.__name__ = name
        return build

    for _name in MMCV_TRANSFORMS:
        TRANSFORMS.register_module(name=_name, module=_needs_mmcv(_name))

__all__ = ['PackClsInputs', 'RandomCrop', 'RandomRotation']
