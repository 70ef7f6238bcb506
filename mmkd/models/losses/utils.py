"""Input checks and helpers shared by the distillation losses."""
import numbers
from typing import Any, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.dist import get_rank

from .base import upcast_all


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


def level_name(loss_name: str, index: int, num_levels: int) -> str:
    """``loss_name``, with the level index when there are several."""
    return loss_name if num_levels == 1 else f'{loss_name} (level {index})'


def batch_values(loss_name: str,
                 arg: str,
                 values: Any,
                 batch_size: int,
                 device: Optional[torch.device] = None) -> torch.Tensor:
    """Per-sample ground truth (labels, dataset indices) as a long ``(N,)``
    tensor.

    The distiller hands a loss one entry per data sample (e.g. each
    sample's ``gt_label``, a ``(1,)`` tensor, or its ``sample_idx``); plain
    loops may pass a tensor. Raises a ValueError naming the loss and the
    argument when they are missing or do not match the batch.

    Args:
        loss_name (str): Name of the loss, for the messages.
        arg (str): Name of the loss argument, for the messages.
        values (Tensor | Sequence): One value per sample.
        batch_size (int): Number of samples in the batch.
        device (torch.device, optional): Device of the result.

    Returns:
        Tensor: Long tensor of shape ``(batch_size,)``.
    """
    if values is None:
        raise ValueError(
            f'{loss_name}: needs {arg} (one per sample of the batch), got '
            'None; the distiller takes it from the data samples, plain loops '
            f'pass it to Distiller.forward.')
    if isinstance(values, torch.Tensor):
        out = values.reshape(-1)
    else:
        parts = []
        for value in values:
            if isinstance(value, torch.Tensor):
                parts.append(value.reshape(-1))
            elif isinstance(value, numbers.Integral):
                parts.append(torch.tensor([int(value)]))
            else:
                raise TypeError(
                    f'{loss_name}: {arg} must hold integers or tensors, got '
                    f'a {type(value).__name__}.')
        out = torch.cat([p.to(parts[0].device) for p in parts]) if parts \
            else torch.zeros(0, dtype=torch.long)
    if out.numel() != batch_size:
        raise ValueError(
            f'{loss_name}: {arg} has {out.numel()} values for a batch of '
            f'{batch_size} samples.')
    if out.is_floating_point():
        raise TypeError(f'{loss_name}: {arg} must be integers, got '
                        f'{out.dtype}.')
    return out.long().to(device) if device is not None else out.long()


def batch_embeddings(
        loss_name: str,
        student: torch.Tensor,
        teacher: torch.Tensor,
        min_batch: int = 2,
        detach_teacher: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-sample embeddings for the relational losses, as ``(N, D)``
    matrices in the compute dtype (:func:`~.base.upcast_all`).

    Inputs of any shape ``(N, ...)`` are flattened per sample (e.g. a pooled
    ``(N, C, 1, 1)`` map); student and teacher may differ in ``D``, since
    these losses compare relations between the ``N`` samples.

    Args:
        loss_name (str): Name of the loss, for the messages.
        student (Tensor): Student features, ``(N, ...)``.
        teacher (Tensor): Teacher features, ``(N, ...)``.
        min_batch (int): Smallest batch the loss is defined on.
            Defaults to 2.
        detach_teacher (bool): Detach the teacher input. False where the
            teacher feature went through a learned connector that the loss
            must train. Defaults to True.

    Returns:
        tuple[Tensor, Tensor]: Student and teacher ``(N, D)`` matrices.
    """
    for side, tensor in (('student', student), ('teacher', teacher)):
        if not isinstance(tensor, torch.Tensor) or tensor.dim() < 2:
            shape = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) \
                else type(tensor).__name__
            raise ValueError(
                f'{loss_name}: expects per-sample features (N, D) or '
                f'(N, C, H, W), got a {side} input of shape {shape}.')
    if student.size(0) != teacher.size(0):
        raise ValueError(
            f'{loss_name}: the student batch {tuple(student.shape)} and the '
            f'teacher batch {tuple(teacher.shape)} differ in size.')
    if student.size(0) < min_batch:
        raise ValueError(
            f'{loss_name}: relates the samples of a batch and needs at least '
            f'{min_batch}, got a batch of shape {tuple(student.shape)}.')
    if detach_teacher:
        teacher = teacher.detach()
    student, teacher = upcast_all(student, teacher)
    return student.flatten(1), teacher.flatten(1)


def class_labels(loss_name: str, gt_labels: Any,
                 logits: torch.Tensor) -> torch.Tensor:
    """Ground-truth class indices for ``(N, C)`` logits, as a long ``(N,)``
    tensor on their device (see :func:`batch_values`); raises a ValueError
    naming the loss when one lies outside ``[0, C)``."""
    labels = batch_values(loss_name, 'gt_labels', gt_labels, logits.size(0),
                          logits.device)
    bad = (labels < 0) | (labels >= logits.size(1))
    if bad.any():
        raise ValueError(
            f'{loss_name}: gt_labels must lie in [0, {logits.size(1)}) for '
            f'logits of shape {tuple(logits.shape)}, got '
            f'{labels[bad].tolist()}.')
    return labels


def wide_dtype(tensor: torch.Tensor) -> torch.dtype:
    """float64, for computations that float32 rounding would ruin; the
    tensor's own dtype on devices without float64 (MPS)."""
    return tensor.dtype if tensor.device.type == 'mps' else torch.float64


def widen(*tensors: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """The tensors in :func:`wide_dtype`: the relational losses compare
    relations between the samples of a batch, which for similar samples
    agree to more digits than float32 holds (cosines near 1, distances
    normalised by their maximum), so they compute them in float64 and
    return the loss in the inputs' compute dtype."""
    return tuple(t.to(wide_dtype(t)) for t in tensors)


def pairwise_sq_distances(x: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distances between the rows of ``x`` (flattened
    per sample), ``(N, N)`` with a zero diagonal, in ``x``'s dtype.

    The expansion ``|a|^2 + |b|^2 - 2 a.b`` (one matrix product instead of
    an ``(N, N, D)`` tensor of differences) cancels catastrophically for
    near-duplicate rows: float32 keeps ~7 digits of ``|a|^2``, far too few
    for a distance many orders of magnitude smaller. Centring the rows
    (distances do not change) removes what the rows share, and the product
    runs in float64, so the result is as exact as ``x``'s dtype allows.
    """
    x = x.flatten(1)
    wide = x.to(wide_dtype(x))
    centred = wide - wide.mean(dim=0, keepdim=True)
    sq = centred.pow(2).sum(dim=1)
    dist = (sq[:, None] + sq[None, :] - 2 * centred @ centred.t()).clamp(min=0)
    diagonal = torch.eye(len(x), dtype=torch.bool, device=x.device)
    return dist.masked_fill(diagonal, 0).to(x.dtype)


_MASK64 = (1 << 64) - 1


def _splitmix64(value: int) -> int:
    """One step of the splitmix64 mixer: nearby inputs, unrelated outputs."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


class RandomStream(nn.Module):
    """Random draws of a loss or connector that resume exactly.

    Each draw gets a fresh ``torch.Generator`` on the device of the draw,
    seeded from ``(seed, number of draws so far, process rank)``, so the
    whole state is two integers: ``seed``, taken from the global RNG when
    the stream is built (``torch.manual_seed`` before building gives the
    same draws), and the draw count. Both are saved in the state dict (the
    buffer ``state``) and restored from it, so a resumed run draws what the
    uninterrupted one would have (on the same kind of device: CPU and CUDA
    generators differ), and the state does not care where the module
    lives. Under DDP every rank saves the same state but draws its own
    numbers. A checkpoint written before the stream existed leaves the
    freshly seeded state in place.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seed = int(torch.randint(0, 2**62, ()).item())
        self.draws = 0
        self.register_buffer('state', torch.zeros(2, dtype=torch.int64))

    def generator(self, device: torch.device) -> torch.Generator:
        """The generator of the next draw, on ``device``."""
        key = _splitmix64(
            _splitmix64(_splitmix64(self.seed) ^ self.draws) ^ get_rank())
        self.draws += 1
        generator = torch.Generator(device=device)
        generator.manual_seed(key)
        return generator

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        self.state.copy_(torch.tensor([self.seed, self.draws]))
        super()._save_to_state_dict(destination, prefix, keep_vars)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        if prefix + 'state' not in state_dict:
            return
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self.seed, self.draws = (int(v) for v in self.state.tolist())
