"""Online mutual learning of two or more students.

Zhang et al., "Deep Mutual Learning", CVPR 2018. Every student ``k`` learns
from the labels and from the others' (detached) predictions:
``L_k = CE(z_k, y) + 1 / (K - 1) * sum_{l != k} KL(p_l || p_k)``.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from ..recorders import RecorderManager
from .base import BaseDistillAlgorithm
from .builder import build_network


@MODELS.register_module()
class MutualLearning(BaseDistillAlgorithm):
    """Trains ``students`` together from scratch; each distils from the
    others' detached outputs.

    All students are inside the module tree (student 0 is
    ``architecture``, the others ``peers.0``, ``peers.1``, ...), so one
    optimizer and one DDP wrapper hold them all and every checkpoint has
    them all; ``tools/model_converters/export_students.py`` writes each as
    a plain checkpoint of its own config (``export_student.py`` writes
    student 0). ``'predict'`` runs student ``evaluate_student``;
    ``custom_hooks = [dict(type='EvaluateEachStudentHook')]`` evaluates the
    others too at every validation and test and logs
    ``student<i>/<metric>``.

    Log keys: ``loss_cls`` of student 0 and ``peer<i>.loss_cls`` of the
    others (their own losses), ``distill.s<k>.loss_kl`` (student ``k``'s
    KL to the others, weighted by ``1 / (K - 1)``).

    Args:
        students (Sequence[dict | nn.Module]): Two or more students.
        kl_loss (dict): The loss of a student's logits against a peer's
            (its second input is detached). Defaults to
            ``dict(type='KDLoss', tau=1.0)``: ``KL(p_l || p_k)`` as in DML.
        logits_layer (str): Module name of every student's logits.
            Defaults to ``'linear'``.
        evaluate_student (int): Which student ``'predict'`` and
            ``'tensor'`` modes run. Defaults to 0.
        student_loss_weight (float): Multiplies every student's own
            losses. Defaults to 1.0.
        data_preprocessor (dict, optional): Defaults to student 0's.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 students: Sequence[Union[dict, nn.Module]],
                 kl_loss: dict = dict(type='KDLoss', tau=1.0),
                 logits_layer: str = 'linear',
                 evaluate_student: int = 0,
                 student_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if not isinstance(students, (list, tuple)) or len(students) < 2:
            raise ValueError('MutualLearning needs a list of two or more '
                             f'students, got {students!r}.')
        super().__init__(students[0], student_loss_weight, data_preprocessor,
                         init_cfg)
        self.peers = nn.ModuleList(
            build_network(cfg, f'student {i + 1}')
            for i, cfg in enumerate(students[1:]))
        self.kl_loss = MODELS.build(kl_loss)
        self.logits_recorders = []
        for i, student in enumerate(self.students):
            recorders = RecorderManager(
                dict(logits=dict(type='ModuleOutputs', source=logits_layer)))
            recorders.initialize(student, f'student {i}')
            self.logits_recorders.append(recorders)
        self.evaluate_student = evaluate_student

    @property
    def students(self) -> List[nn.Module]:
        """All students, student 0 first."""
        return [self.architecture, *self.peers]

    @property
    def evaluate_student(self) -> int:
        """Index of the student that ``'predict'`` runs."""
        return self._evaluate_student

    @evaluate_student.setter
    def evaluate_student(self, index: int) -> None:
        count = 1 + len(self.peers)
        if isinstance(index, bool) or not isinstance(index, int) or \
                not 0 <= index < count:
            raise ValueError(f'evaluate_student must be an index in [0, '
                             f'{count}), got {index!r}.')
        self._evaluate_student = index

    def evaluated_model(self) -> nn.Module:
        return self.students[self.evaluate_student]

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """Every student's own losses and its KL to the others."""
        own, logits = {}, []
        try:
            for i, (student, recorders) in enumerate(
                    zip(self.students, self.logits_recorders)):
                recorders.reset()
                with recorders.recording():
                    losses = student(
                        self.inputs_for(student, inputs, f'student {i}'),
                        data_samples,
                        mode='loss')
                logits.append(recorders['logits'].get_record_data(0))
                prefix = '' if i == 0 else f'peer{i}.'
                own.update({prefix + k: v for k, v in losses.items()})
        finally:
            for recorders in self.logits_recorders:
                recorders.reset()
        distill = {}
        if not self.distillation_stopped:
            scale = 1.0 / (len(logits) - 1)
            for k, student_logits in enumerate(logits):
                distill[f's{k}.loss_kl'] = scale * sum(
                    self.kl_loss(student_logits, peer.detach())
                    for j, peer in enumerate(logits) if j != k)
        return self.merge_losses(own, distill)

    def teardown(self) -> None:
        """Remove the recorders' hooks."""
        for recorders in self.logits_recorders:
            recorders.teardown()
