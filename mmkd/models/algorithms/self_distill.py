"""Self-distillation: the deepest classifier of a network teaches auxiliary
classifiers on its shallow stages.

Zhang et al., "Be Your Own Teacher: Improve the Performance of Convolutional
Neural Networks via Self Distillation", ICCV 2019. Each shallow stage ``i``
gets a bottleneck and a classifier; with the deepest logits ``z_C`` and
feature ``F_C`` (both detached):
``L = CE(z_C, y) + sum_i [(1 - a) CE(z_i, y) + a * KL_tau(z_C || z_i)
+ lambda * ||F_i - F_C||^2]``.
"""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from ..losses.base import upcast
from ..recorders import RecorderManager
from .base import BaseDistillAlgorithm, check_weight
from .self_distill_heads import SelfDistillAuxHead


def _head_key(source: str) -> str:
    return source.replace('.', '_')


@MODELS.register_module()
class SelfDistill(BaseDistillAlgorithm):
    """Trains a classifier together with auxiliary heads on its shallow
    stages, which the deepest classifier teaches.

    The heads live in :attr:`aux_heads`, a module dict next to the student
    (``architecture``): they train with it and are saved in checkpoints,
    but the exported student (``tools/model_converters/export_student.py``)
    is the plain network, and ``'predict'`` uses the deepest classifier.
    The network's classifier (``classifier``, an ``nn.Linear``) gives the
    deepest logits (its output) and feature (its input), and the heads'
    sizes: ``out_channels`` = its ``in_features``, ``num_classes`` = its
    ``out_features``.

    Log keys: the student's own ``loss_cls`` (deepest CE), and per head
    ``aux.<stage>.loss_cls`` (``aux_ce_weight`` x CE), ``distill.<stage>.
    loss_kd`` and ``distill.<stage>.loss_feature``.

    Args:
        architecture (dict | nn.Module): The network (an mmkd classifier).
        aux_heads (Sequence[dict]): One per shallow stage:
            ``dict(source='layer1', in_channels=16, num_downsample=2)``;
            ``hint=False`` leaves that head out of ``feature_loss``; other
            keys go to :class:`SelfDistillAuxHead`, or with a ``type`` build
            that head (e.g. ``'BYOTAuxHead'``).
        classifier (str): Module name of the deepest classifier.
            Defaults to ``'linear'``.
        aux_ce_weight (float): Weight of each head's cross-entropy
            (``1 - a``). Defaults to 0.7.
        kd_loss (dict, optional): Loss of each head's logits against the
            deepest logits; None for none. Defaults to
            ``dict(type='KDLoss', tau=3.0, loss_weight=0.3 / 9)`` (``a`` =
            0.3 on the soft cross-entropy, which KDLoss scales by tau^2).
        feature_loss (dict, optional): Hint loss of each head's feature
            against the deepest feature; None for none. Defaults to
            ``dict(type='L2Loss', reduction='batchmean', loss_weight=0.03)``.
        student_loss_weight (float): Multiplies the deepest CE.
            Defaults to 1.0.
        data_preprocessor (dict, optional): Defaults to the student's.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 architecture: Union[dict, nn.Module],
                 aux_heads: Sequence[dict],
                 classifier: str = 'linear',
                 aux_ce_weight: float = 0.7,
                 kd_loss: Optional[dict] = dict(
                     type='KDLoss', tau=3.0, loss_weight=0.3 / 9),
                 feature_loss: Optional[dict] = dict(
                     type='L2Loss', reduction='batchmean', loss_weight=0.03),
                 student_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, student_loss_weight, data_preprocessor,
                         init_cfg)
        self.aux_ce_weight = check_weight('aux_ce_weight', aux_ce_weight)
        linear = self.architecture.get_submodule(classifier)
        if not isinstance(linear, nn.Linear):
            raise TypeError(f'classifier {classifier!r} must name the '
                            f'network\'s nn.Linear, got {type(linear)}.')
        if not aux_heads:
            raise ValueError('aux_heads must list at least one stage.')
        self.sources, self.hinted = [], set()
        heads = {}
        for i, cfg in enumerate(aux_heads):
            cfg = dict(cfg)
            if not isinstance(cfg.get('source'), str):
                raise KeyError(f'aux_heads[{i}] needs a "source" stage name, '
                               f'got {cfg!r}.')
            source = cfg.pop('source')
            hint = cfg.pop('hint', True)
            if not isinstance(hint, bool):
                raise TypeError(f'aux_heads[{i}].hint must be True or False, '
                                f'got {hint!r}.')
            if hint:
                self.hinted.add(source)
            cfg.setdefault('out_channels', linear.in_features)
            cfg.setdefault('num_classes', linear.out_features)
            heads[_head_key(source)] = MODELS.build(cfg) if 'type' in cfg \
                else SelfDistillAuxHead(**cfg)
            self.sources.append(source)
        self.aux_heads = nn.ModuleDict(heads)
        self.kd_loss = MODELS.build(kd_loss) if kd_loss else None
        self.feature_loss = MODELS.build(feature_loss) \
            if feature_loss else None
        recorders = {
            f'stage:{s}': dict(type='ModuleOutputs', source=s)
            for s in self.sources
        }
        recorders.update(
            feature=dict(type='ModuleInputs', source=classifier),
            logits=dict(type='ModuleOutputs', source=classifier))
        self.recorders = RecorderManager(recorders)
        self.recorders.initialize(self.architecture, 'student')

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """The deepest classifier's own loss, each head's CE and its
        distill losses."""
        if self.distillation_stopped:
            return self.merge_losses(
                self.architecture(
                    self.inputs_for(self.architecture, inputs, 'student'),
                    data_samples,
                    mode='loss'), {})
        self.recorders.reset()
        try:
            with self.recorders.recording():
                student_losses = self.architecture(
                    self.inputs_for(self.architecture, inputs, 'student'),
                    data_samples,
                    mode='loss')
            logits = self.recorders['logits'].get_record_data(0).detach()
            feature = self.recorders['feature'].get_record_data(0, 0)
            feature = feature.detach()
            labels = torch.cat([s.gt_label
                                for s in data_samples]).to(logits.device)
            aux, distill = {}, {}
            for source in self.sources:
                stage = self.recorders[f'stage:{source}'].get_record_data(0)
                head_feature, head_logits = self.aux_heads[_head_key(source)](
                    stage)
                aux[f'aux.{source}.loss_cls'] = self.aux_ce_weight * \
                    F.cross_entropy(upcast(head_logits), labels)
                if self.kd_loss is not None:
                    distill[f'{source}.loss_kd'] = self.kd_loss(
                        head_logits, logits)
                if self.feature_loss is not None and source in self.hinted:
                    distill[f'{source}.loss_feature'] = self.feature_loss(
                        head_feature, feature)
        finally:
            self.recorders.reset()
        losses = self.merge_losses(student_losses, distill)
        losses.update(aux)
        return losses

    def teardown(self) -> None:
        """Remove the recorders' hooks."""
        self.recorders.teardown()
