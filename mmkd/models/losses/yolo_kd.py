"""Objectness-scaled output distillation for YOLO detectors.

Mehta and Ozturk, "Object detection at 200 Frames Per Second", 2018. Per
level, with raw head outputs of shape ``(B, na, H, W, 5 + nc)`` and
``s = sigmoid(teacher objectness logit)``:
``L_box = mean(s * (p_box - t_box)^2)``,
``L_obj = mean(s * (p_obj - t_obj)^2)``,
``L_cls = mean(s * (p_cls - t_cls)^2)`` (only when ``nc > 1``), summed over
levels; ``loss = B * (giou * dist * L_box + obj * dist * L_obj +
cls * dist * L_cls)``.
"""
from typing import Sequence, Union

import torch

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, check_number, upcast_all

Outputs = Union[Sequence[torch.Tensor], tuple]


def raw_levels(outputs: Outputs, side: str, nc: int) -> Sequence[torch.Tensor]:
    """The per-level raw outputs, also from an eval-mode YOLOv7 head's
    ``(inference_output, raw_outputs)`` tuple."""
    if isinstance(outputs, torch.Tensor):
        outputs = [outputs]
    pair = isinstance(outputs, tuple) and len(outputs) == 2
    if pair and isinstance(outputs[1], (list, tuple)) and isinstance(
            outputs[0], torch.Tensor):
        outputs = outputs[1]  # (inference output, raw outputs)
    levels = list(outputs)
    for i, level in enumerate(levels):
        if not isinstance(level, torch.Tensor) or level.dim() != 5 or \
                level.size(-1) != 5 + nc:
            shape = tuple(level.shape) if isinstance(
                level, torch.Tensor) else type(level).__name__
            raise ValueError(
                f'YoloKDLoss: {side} level {i} must be a raw head output of '
                f'shape (B, num_anchors, H, W, 5 + nc) with nc={nc}, got '
                f'{shape}.')
    return levels


@MODELS.register_module(name=['YoloKDLoss', 'yolo_kd'])
class YoloKDLoss(BaseDistillLoss):
    """Output distillation on raw YOLOv5/YOLOv7 head outputs.

    Args:
        nc (int): Number of classes.
        giou (float): Box weight (YOLO's ``hyp['giou']``/``hyp['box']``).
            Defaults to 0.05.
        dist (float): Overall distillation weight. Defaults to 1.0.
        obj (float): Objectness weight (``hyp['obj']``). Defaults to 1.0.
        cls (float): Class weight (``hyp['cls']``). Defaults to 0.5.
        loss_weight (float): Extra multiplier. Defaults to 1.0.
    """

    pairing = Pairing(
        'YOLO head outputs (MethodOutputs of the head, chosen by hand)', (),
        'same')

    def __init__(self,
                 nc: int,
                 giou: float = 0.05,
                 dist: float = 1.0,
                 obj: float = 1.0,
                 cls: float = 0.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.nc = check_number(
            'YoloKDLoss', 'nc', nc, '[1, inf)', integer=True)
        self.giou, self.dist, self.obj, self.cls = (check_number(
            'YoloKDLoss', name, value,
            '[0, inf)') for name, value in (('giou', giou), ('dist', dist),
                                            ('obj', obj), ('cls', cls)))

    def forward(self, student: Outputs, teacher: Outputs) -> torch.Tensor:
        """Compute the loss.

        Args:
            student: Student raw outputs, a list of ``(B, na, H, W, 5+nc)``
                tensors (one per level).
            teacher: Teacher raw outputs in the same layout, or the
                ``(inference_output, raw_outputs)`` tuple of an eval-mode
                YOLOv7 teacher.

        Returns:
            Tensor: The weighted scalar loss.
        """
        s_levels = raw_levels(student, 'student', self.nc)
        t_levels = raw_levels(teacher, 'teacher', self.nc)
        if len(s_levels) != len(t_levels):
            raise ValueError(f'YoloKDLoss: the student has {len(s_levels)} '
                             f'levels, the teacher {len(t_levels)}.')
        device = s_levels[0].device
        l_box = torch.zeros((), device=device)
        l_obj = torch.zeros((), device=device)
        l_cls = torch.zeros((), device=device)
        for i, (p, t) in enumerate(zip(s_levels, t_levels)):
            if p.shape != t.shape:
                raise ValueError(
                    f'YoloKDLoss: level {i} student shape {tuple(p.shape)} '
                    f'and teacher shape {tuple(t.shape)} differ (the anchors '
                    'and strides of both heads must agree).')
            p, t = upcast_all(p, t.detach())
            scale = torch.sigmoid(t[..., 4:5])
            l_box = l_box + ((p[..., :4] - t[..., :4])**2 * scale).mean()
            l_obj = l_obj + ((p[..., 4:5] - t[..., 4:5])**2 * scale).mean()
            if self.nc > 1:
                l_cls = l_cls + ((p[..., 5:] - t[..., 5:])**2 * scale).mean()
        batch = s_levels[0].size(0)
        total = (self.giou * l_box + self.obj * l_obj +
                 self.cls * l_cls) * self.dist
        return self.loss_weight * total * batch
