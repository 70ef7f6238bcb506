"""Data sample for image classification."""
from typing import Sequence, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement

LabelType = Union[int, np.integer, torch.Tensor, Sequence[int]]


def _to_label_tensor(value: LabelType) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.reshape(-1).long()
    if isinstance(value, (int, np.integer)):
        return torch.tensor([int(value)], dtype=torch.long)
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value).reshape(-1).long()
    if isinstance(value, Sequence):
        return torch.tensor(list(value), dtype=torch.long)
    raise TypeError(f'A label must be an int, a sequence of ints, an array '
                    f'or a tensor, but got {type(value).__name__}.')


class ClsDataSample(BaseDataElement):
    """One image's classification annotation and prediction.

    Fields:
        gt_label (Tensor): Ground-truth class index, shape ``(1, )``.
        pred_label (Tensor): Predicted class index, shape ``(1, )``.
        pred_score (Tensor): Class probabilities, shape ``(num_classes, )``.
    """

    def set_gt_label(self, value: LabelType) -> 'ClsDataSample':
        """Set ``gt_label`` from an int, sequence, array or tensor."""
        self.set_field(_to_label_tensor(value), 'gt_label', dtype=torch.Tensor)
        return self

    def set_pred_label(self, value: LabelType) -> 'ClsDataSample':
        """Set ``pred_label`` from an int, sequence, array or tensor."""
        self.set_field(
            _to_label_tensor(value), 'pred_label', dtype=torch.Tensor)
        return self

    def set_pred_score(self, value: torch.Tensor) -> 'ClsDataSample':
        """Set ``pred_score``, a 1-D tensor of class probabilities."""
        if not isinstance(value, torch.Tensor) or value.dim() != 1:
            raise ValueError('pred_score must be a 1-D tensor, got '
                             f'{getattr(value, "shape", type(value))}.')
        self.set_field(value, 'pred_score', dtype=torch.Tensor)
        return self
