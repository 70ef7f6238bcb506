"""Pack a sample into the ``inputs``/``data_samples`` form models expect."""
from typing import Sequence

import numpy as np
import torch

from mmkd.registry import TRANSFORMS
from mmkd.structures import ClsDataSample
from .base import BaseTransform


@TRANSFORMS.register_module()
class PackClsInputs(BaseTransform):
    """Pack an image and its label for a classifier.

    The image becomes a ``(C, H, W)`` tensor with the image's dtype (uint8
    for the datasets of mmkd); normalisation is the data preprocessor's job.
    ``gt_label`` (if present) and the ``meta_keys`` found in the results go
    into a :class:`~mmkd.structures.ClsDataSample`.

    Required keys: ``img`` (``(H, W)`` or ``(H, W, C)`` array).
    Optional keys: ``gt_label`` and the ``meta_keys``.

    Args:
        meta_keys (Sequence[str]): Keys copied into the data sample's
            metainfo when present. Defaults to ``('sample_idx', 'img_id',
            'img_path', 'ori_shape', 'img_shape', 'flip',
            'flip_direction')``.

    Returns:
        dict: ``{'inputs': Tensor, 'data_samples': ClsDataSample}``.
    """

    def __init__(
        self,
        meta_keys: Sequence[str] = ('sample_idx', 'img_id', 'img_path',
                                    'ori_shape', 'img_shape', 'flip',
                                    'flip_direction')
    ) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack ``results`` into ``inputs`` and ``data_samples``.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: The packed sample.
        """
        img = np.asarray(results['img'])
        if img.ndim == 2:
            img = img[..., None]
        if img.ndim != 3:
            raise ValueError('PackClsInputs expects an (H, W) or (H, W, C) '
                             f'image, got shape {img.shape}.')
        # flips and crops may leave a view with negative or odd strides
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        data_sample = ClsDataSample()
        if 'gt_label' in results:
            data_sample.set_gt_label(results['gt_label'])
        data_sample.set_metainfo(
            {k: results[k]
             for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
