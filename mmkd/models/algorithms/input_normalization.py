"""Each network sees its input normalised as it was trained.

The algorithm's data preprocessor batches the data, moves it to the device
and normalises it once (by default with the student's own preprocessor). A
network whose own preprocessor declares another normalisation (a teacher
built from an mmpretrain, mmdet or mmseg config, a timm teacher trained with
other mean/std) receives that batch mapped to its own normalisation: undone
with the algorithm's mean/std and channel order, redone with its own. The map
is exact for the per-channel affine normalisation these preprocessors apply.

A preprocessor that neither normalises nor converts channels (MMEngine's
``BaseDataPreprocessor``, a classifier built without one) declares nothing:
that network takes the algorithm's input as it is.
"""
from typing import NamedTuple, Optional

import torch
import torch.nn as nn

# the flag each OpenMMLab preprocessor keeps for its BGR <-> RGB conversion
# (MMEngine/mmdet, mmseg, mmpretrain)
_CHANNEL_FLAGS = ('_channel_conversion', 'channel_conversion', 'to_rgb')


class Normalization(NamedTuple):
    """``(swap(x) - mean) / std`` per channel, ``swap`` reversing the three
    colour channels; ``mean``/``std`` None when it does not normalise."""
    swap: bool
    mean: Optional[torch.Tensor]
    std: Optional[torch.Tensor]


def declared_normalization(model: nn.Module) -> Optional[Normalization]:
    """The normalisation ``model``'s own data preprocessor applies, or None
    when it declares none (no preprocessor, or one that neither normalises
    nor converts channels)."""
    return preprocessor_normalization(
        getattr(model, 'data_preprocessor', None))


def preprocessor_normalization(
        preprocessor: Optional[nn.Module]) -> Optional[Normalization]:
    """The normalisation ``preprocessor`` applies, or None when it declares
    none (None, or one that neither normalises nor converts channels)."""
    if preprocessor is None or not hasattr(preprocessor, '_enable_normalize'):
        return None
    swap = any(
        bool(getattr(preprocessor, flag, False)) for flag in _CHANNEL_FLAGS)
    if preprocessor._enable_normalize:
        mean = preprocessor.mean.detach().reshape(-1).float().cpu()
        std = preprocessor.std.detach().reshape(-1).float().cpu()
    else:
        mean = std = None
    if not swap and mean is None:
        return None
    return Normalization(swap, mean, std)


def _same(a: Optional[torch.Tensor], b: Optional[torch.Tensor]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and torch.equal(a, b)


class InputRenormalizer:
    """Maps inputs normalised as ``source`` to inputs normalised as
    ``target``; the identity (the same tensor) when both agree.

    Args:
        source (Normalization, optional): How the inputs are normalised.
        target (Normalization, optional): How the network expects them;
            None takes the inputs as they are.
        name (str): The network, for error messages.
    """

    def __init__(self, source: Optional[Normalization],
                 target: Optional[Normalization], name: str) -> None:
        self.name = name
        source = source or Normalization(False, None, None)
        if target is None or (source.swap == target.swap and _same(
                source.mean, target.mean) and _same(source.std, target.std)):
            self.identity = True
            return
        self.identity = False
        self.source, self.target = source, target

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.identity:
            return inputs
        if inputs.dim() != 4:
            raise ValueError(
                f'The {self.name} normalises its input differently from the '
                'algorithm\'s data preprocessor, which mmkd maps for image '
                f'batches (N, C, H, W) only; got shape {tuple(inputs.shape)}.')
        x = inputs if inputs.is_floating_point() else inputs.float()
        x = self._undo(x, self.source)
        return self._apply(x, self.target)

    def _check(self, x: torch.Tensor, norm: Normalization) -> None:
        for what, value in (('mean', norm.mean), ('std', norm.std)):
            if value is not None and value.numel() not in (1, x.shape[1]):
                raise ValueError(
                    f'The {self.name}: a {what} of {value.numel()} values '
                    f'does not fit inputs with {x.shape[1]} channels.')

    def _undo(self, x: torch.Tensor, norm: Normalization) -> torch.Tensor:
        self._check(x, norm)
        if norm.mean is not None:
            x = x * _channels(norm.std, x) + _channels(norm.mean, x)
        return x.flip(1) if _swaps(norm, x) else x

    def _apply(self, x: torch.Tensor, norm: Normalization) -> torch.Tensor:
        self._check(x, norm)
        if _swaps(norm, x):
            x = x.flip(1)
        if norm.mean is not None:
            x = (x - _channels(norm.mean, x)) / _channels(norm.std, x)
        return x


def _channels(value: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return value.to(like.device, like.dtype).view(1, -1, 1, 1)


def _swaps(norm: Normalization, x: torch.Tensor) -> bool:
    # as the preprocessors do: the colour conversion applies to 3 channels
    return norm.swap and x.shape[1] == 3
