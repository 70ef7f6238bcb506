"""Input checks shared by the distillation losses."""
from typing import Optional

import torch


def check_same_shape(loss_name: str,
                     student: torch.Tensor,
                     teacher: torch.Tensor,
                     ndim: Optional[int] = None) -> None:
    """Raise a ValueError naming the loss and both shapes on a mismatch.

    Args:
        loss_name (str): Name of the loss, for the message.
        student (Tensor): Student input.
        teacher (Tensor): Teacher input.
        ndim (int, optional): Required number of dimensions.
    """
    for side, tensor in (('student', student), ('teacher', teacher)):
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f'{loss_name}: the {side} input must be a tensor, '
                            f'got {type(tensor).__name__}.')
        if ndim is not None and tensor.dim() != ndim:
            raise ValueError(
                f'{loss_name}: expects {ndim}-D inputs, got a {side} input of '
                f'shape {tuple(tensor.shape)}.')
    if student.shape != teacher.shape:
        raise ValueError(
            f'{loss_name}: student shape {tuple(student.shape)} and teacher '
            f'shape {tuple(teacher.shape)} differ; add a connector that maps '
            'the student feature to the teacher shape.')


def check_feature_map(loss_name: str, side: str, tensor: torch.Tensor) -> None:
    """Raise a ValueError unless ``tensor`` is an ``(N, C, H, W)`` map."""
    if not isinstance(tensor, torch.Tensor) or tensor.dim() != 4:
        shape = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) \
            else type(tensor).__name__
        raise ValueError(f'{loss_name}: expects (N, C, H, W) feature maps, '
                         f'got a {side} input of shape {shape}.')
