"""Mixed-precision training on CPU."""
from contextlib import contextmanager
from typing import Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmkd.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Optimizer wrapper that runs the forward pass under CPU autocast.

    MMEngine's ``AmpOptimWrapper`` requires CUDA (or another accelerator);
    ``tools/train.py --amp`` uses this wrapper on CPU-only machines instead.
    bfloat16 has float32's exponent range, so no loss scaling is needed.

    Args:
        dtype (str | torch.dtype): Autocast dtype, ``'bfloat16'`` or
            ``'float16'``. Defaults to ``'bfloat16'``.
        **kwargs: Arguments of :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self,
                 dtype: Union[str, torch.dtype] = 'bfloat16',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            if dtype not in ('bfloat16', 'float16'):
                raise ValueError('CPUAmpOptimWrapper dtype must be "bfloat16" '
                                 f'or "float16", got "{dtype}".')
            dtype = getattr(torch, dtype)
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
