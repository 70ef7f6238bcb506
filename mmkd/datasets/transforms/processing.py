"""Image augmentations for classification that mmcv does not provide."""
import numbers
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from mmkd.registry import TRANSFORMS
from .base import BaseTransform

_PAD_MODES = ('constant', 'edge', 'reflect', 'symmetric')


def _pair(value: Union[int, Sequence[int]], name: str) -> Tuple[int, int]:
    if isinstance(value, numbers.Integral):
        value = (value, value)
    value = tuple(value)
    if len(value) != 2 or not all(
            isinstance(v, numbers.Integral) and v > 0 for v in value):
        raise ValueError(f'{name} must be a positive int or a pair (h, w) of '
                         f'positive ints, got {value!r}.')
    return int(value[0]), int(value[1])


def _padding4(padding: Union[int, Sequence[int]]) -> Tuple[int, int, int, int]:
    """``(left, top, right, bottom)`` from an int, a pair or a 4-tuple."""
    if isinstance(padding, numbers.Integral):
        padding = (padding, ) * 4
    padding = tuple(padding)
    if len(padding) == 2:  # (left/right, top/bottom)
        padding = padding * 2
    if len(padding) != 4 or not all(
            isinstance(p, numbers.Integral) and p >= 0 for p in padding):
        raise ValueError(
            'padding must be a non-negative int, a pair (left/right, '
            'top/bottom) or a 4-tuple (left, top, right, bottom), got '
            f'{padding!r}.')
    return tuple(int(p) for p in padding)


@TRANSFORMS.register_module()
class RandomCrop(BaseTransform):
    """Pad an image, then crop a random window of a fixed size.

    ``RandomCrop(crop_size=32, padding=4)`` is the standard CIFAR
    augmentation: pad 4 pixels on every side, then crop a random 32x32
    window.

    Required keys: ``img`` (``(H, W)`` or ``(H, W, C)`` array).
    Modified keys: ``img``, ``img_shape``.

    Args:
        crop_size (int | Sequence[int]): Output size, an int for a square
            or ``(h, w)``.
        padding (int | Sequence[int], optional): Pixels added before
            cropping: an int for all sides, ``(left/right, top/bottom)`` or
            ``(left, top, right, bottom)``. Defaults to None (no padding).
        pad_val (float | Sequence[float]): Fill value of ``'constant'``
            padding, a number or one value per channel. Defaults to 0.
        padding_mode (str): ``'constant'``, ``'edge'``, ``'reflect'`` or
            ``'symmetric'`` (numpy's ``np.pad`` modes). Defaults to
            ``'constant'``.
    """

    def __init__(self,
                 crop_size: Union[int, Sequence[int]],
                 padding: Optional[Union[int, Sequence[int]]] = None,
                 pad_val: Union[float, Sequence[float]] = 0,
                 padding_mode: str = 'constant') -> None:
        self.crop_size = _pair(crop_size, 'crop_size')
        self.padding = None if padding is None else _padding4(padding)
        if padding_mode not in _PAD_MODES:
            raise ValueError(f'padding_mode must be one of {_PAD_MODES}, got '
                             f'{padding_mode!r}.')
        self.pad_val = pad_val
        self.padding_mode = padding_mode

    def _pad(self, img: np.ndarray) -> np.ndarray:
        left, top, right, bottom = self.padding
        height, width = img.shape[:2]
        if self.padding_mode == 'constant':
            padded = np.empty(
                (height + top + bottom, width + left + right) + img.shape[2:],
                dtype=img.dtype)
            padded[...] = np.asarray(self.pad_val).astype(img.dtype)
            padded[top:top + height, left:left + width] = img
            return padded
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (img.ndim - 2)
        return np.pad(img, widths, mode=self.padding_mode)

    def transform(self, results: dict) -> dict:
        """Pad and crop ``results['img']``.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: The result dict with the cropped image.
        """
        img = results['img']
        if self.padding is not None:
            img = self._pad(img)
        crop_h, crop_w = self.crop_size
        height, width = img.shape[:2]
        if height < crop_h or width < crop_w:
            raise ValueError(
                f'RandomCrop: the image is {height}x{width} after padding, '
                f'smaller than crop_size {crop_h}x{crop_w}.')
        top = np.random.randint(0, height - crop_h + 1)
        left = np.random.randint(0, width - crop_w + 1)
        results['img'] = np.ascontiguousarray(img[top:top + crop_h,
                                                  left:left + crop_w])
        results['img_shape'] = (crop_h, crop_w)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(crop_size={self.crop_size}, '
                f'padding={self.padding}, pad_val={self.pad_val}, '
                f'padding_mode={self.padding_mode!r})')


@TRANSFORMS.register_module()
class RandomRotation(BaseTransform):
    """Rotate an image by a random angle about its centre, keeping its
    size (corners filled with ``fill``), as torchvision's
    ``RandomRotation(degrees)`` with its defaults (nearest neighbour,
    ``expand=False``, fill 0).

    Required keys: ``img`` (``(H, W)`` or ``(H, W, C)`` array).
    Modified keys: ``img``.

    Args:
        degrees (float | Sequence[float]): The angle is drawn uniformly from
            ``(-degrees, degrees)``, or from ``(min, max)``; positive is
            counter-clockwise.
        interpolation (str): ``'nearest'`` or ``'bilinear'``. Defaults to
            ``'nearest'``.
        fill (float): Value of the pixels rotated in from outside. Defaults
            to 0.
    """

    def __init__(self,
                 degrees: Union[float, Sequence[float]],
                 interpolation: str = 'nearest',
                 fill: float = 0) -> None:
        if isinstance(degrees, numbers.Real):
            if degrees < 0:
                raise ValueError('RandomRotation: a single degrees value '
                                 f'must be >= 0, got {degrees}.')
            degrees = (-degrees, degrees)
        degrees = tuple(degrees)
        if len(degrees) != 2 or degrees[0] > degrees[1] or not all(
                isinstance(d, numbers.Real) for d in degrees):
            raise ValueError('RandomRotation: degrees must be a number or a '
                             f'(min, max) pair, got {degrees!r}.')
        if interpolation not in ('nearest', 'bilinear'):
            raise ValueError(
                "RandomRotation: interpolation must be "
                f"'nearest' or 'bilinear', got {interpolation!r}.")
        self.degrees = (float(degrees[0]), float(degrees[1]))
        self.interpolation = interpolation
        self.fill = fill

    def transform(self, results: dict) -> dict:
        """Rotate ``results['img']`` by a random angle.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: The result dict with the rotated image.
        """
        import mmcv
        angle = np.random.uniform(*self.degrees)
        # mmcv rotates clockwise for positive angles
        results['img'] = mmcv.imrotate(
            results['img'],
            -angle,
            border_value=self.fill,
            interpolation=self.interpolation)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(degrees={self.degrees}, '
                f'interpolation={self.interpolation!r}, fill={self.fill})')
