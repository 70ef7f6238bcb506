"""Objectness-scaled output distillation for YOLOX heads.

The YOLO output distillation of Mehta and Ozturk ("Object detection at 200
Frames Per Second", 2018) on anchor-free YOLOX outputs (Ge et al., "YOLOX:
Exceeding YOLO Series in 2021"). Per level, with ``s = sigmoid(teacher
objectness logit)``: ``L_x = mean(s * (p_x - t_x)^2)`` for x in (box, obj,
cls); ``loss = box * sum L_box + obj * sum L_obj + cls * sum L_cls``.
"""
from typing import List, Sequence

import torch

from mmkd.registry import MODELS
from .base import BaseDistillLoss, Pairing, check_number, upcast_all

HeadOutputs = Sequence[Sequence[torch.Tensor]]


def head_levels(outputs: HeadOutputs, side: str) -> List[tuple]:
    """``(cls, bbox, obj)`` per level from YOLOXHead's forward output
    ``(cls_scores, bbox_preds, objectnesses)``, with shape checks."""
    if not isinstance(outputs, (list, tuple)) or len(outputs) != 3 or \
            not all(isinstance(x, (list, tuple)) for x in outputs):
        got = (f'{len(outputs)} items' if isinstance(outputs, (list, tuple))
               else type(outputs).__name__)
        raise ValueError(
            f'YOLOXKDLoss: the {side} input must be the output of '
            'YOLOXHead.forward, (cls_scores, bbox_preds, objectnesses), each '
            f'a list over levels; got {got}.')
    counts = [len(x) for x in outputs]
    if len(set(counts)) != 1 or counts[0] == 0:
        raise ValueError(
            f'YOLOXKDLoss: the {side} cls_scores, bbox_preds and '
            f'objectnesses have {counts} levels; they must be equal and '
            'non-zero.')
    levels = list(zip(*outputs))
    for i, (cls, box, obj) in enumerate(levels):
        shapes = [
            tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            for x in (cls, box, obj)
        ]
        ok = all(
            isinstance(x, torch.Tensor) and x.dim() == 4
            for x in (cls, box, obj))
        ok = ok and box.size(1) == 4 and obj.size(1) == 1 and \
            cls.shape[2:] == box.shape[2:] == obj.shape[2:] and \
            cls.size(0) == box.size(0) == obj.size(0)
        if not ok:
            raise ValueError(
                f'YOLOXKDLoss: {side} level {i} must hold (N, num_classes, '
                'H, W) class scores, (N, 4, H, W) box predictions and '
                f'(N, 1, H, W) objectness; got shapes {shapes}.')
    return levels


@MODELS.register_module(name=['YOLOXKDLoss', 'yolox_kd'])
class YOLOXKDLoss(BaseDistillLoss):
    """Output distillation on raw YOLOX head outputs.

    Takes what ``YOLOXHead.forward`` returns on each side, recorded with
    ``dict(type='MethodOutputs', source='bbox_head.forward')`` (mmdet calls
    the head's ``forward`` directly in tensor mode, which forward hooks do
    not see). All
    terms are MSEs on raw (pre-sigmoid) outputs, weighted per position by
    the teacher's objectness probability. Unlike YOLOv5, YOLOX trains its
    class scores also with one class (IoU-aware targets), so the class term
    is always used; set ``cls=0`` to drop it.

    Args:
        box (float): Weight of the box term. Defaults to 1.0.
        obj (float): Weight of the objectness term. Defaults to 1.0.
        cls (float): Weight of the class term. Defaults to 1.0.
        loss_weight (float): Weight of the total. Defaults to 1.0.
    """

    pairing = Pairing(
        'YOLOX head outputs (MethodOutputs of the head, chosen by hand)', (),
        'same')

    def __init__(self,
                 box: float = 1.0,
                 obj: float = 1.0,
                 cls: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.box, self.obj, self.cls = (check_number('YOLOXKDLoss', name,
                                                     value, '[0, inf)')
                                        for name, value in (('box', box),
                                                            ('obj', obj),
                                                            ('cls', cls)))

    def forward(self, student: HeadOutputs,
                teacher: HeadOutputs) -> torch.Tensor:
        """Compute the loss.

        Args:
            student: Student ``(cls_scores, bbox_preds, objectnesses)``,
                each a list of ``(N, C, H, W)`` tensors, one per level.
            teacher: Teacher outputs in the same layout.

        Returns:
            Tensor: The weighted scalar loss.
        """
        s_levels = head_levels(student, 'student')
        t_levels = head_levels(teacher, 'teacher')
        if len(s_levels) != len(t_levels):
            raise ValueError(f'YOLOXKDLoss: the student has {len(s_levels)} '
                             f'levels, the teacher {len(t_levels)}.')
        l_box = l_obj = l_cls = 0.
        for i, (s_out, t_out) in enumerate(zip(s_levels, t_levels)):
            for name, p, t in zip(('cls_scores', 'bbox_preds', 'objectnesses'),
                                  s_out, t_out):
                if p.shape != t.shape:
                    raise ValueError(
                        f'YOLOXKDLoss: level {i} student {name} shape '
                        f'{tuple(p.shape)} and teacher shape '
                        f'{tuple(t.shape)} differ (both heads need the same '
                        'classes and strides, and the same input size).')
            p_cls, p_box, p_obj, t_cls, t_box, t_obj = upcast_all(
                *s_out, *(x.detach() for x in t_out))
            scale = torch.sigmoid(t_obj)
            l_box = l_box + (scale * (p_box - t_box)**2).mean()
            l_obj = l_obj + (scale * (p_obj - t_obj)**2).mean()
            l_cls = l_cls + (scale * (p_cls - t_cls)**2).mean()
        total = self.box * l_box + self.obj * l_obj + self.cls * l_cls
        return self.loss_weight * total
