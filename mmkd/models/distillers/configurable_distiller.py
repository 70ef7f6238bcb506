"""ConfigurableDistiller: recorders + connectors + losses, wired by config."""
import contextlib
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmkd.registry import MODELS
from ..recorders import RecorderManager
from .explicit import explicit_form
from .loss_inputs import describe_input, loss_inputs
from .loss_signature import build_loss
from .validation import (check_distiller, teacher_record_needs,
                         with_declared_ground_truth)


def _first_tensor(item: Any) -> Optional[torch.Tensor]:
    if isinstance(item, torch.Tensor):
        return item
    values = item.values() if isinstance(item, dict) else item \
        if isinstance(item, (list, tuple)) else ()
    for value in values:
        found = _first_tensor(value)
        if found is not None:
            return found
    return None


def _no_autocast(inputs: Any):
    """Autocast switched off on the device of the first tensor of
    ``inputs`` (a no-op without tensors)."""
    tensor = _first_tensor(inputs)
    if tensor is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=tensor.device.type, enabled=False)


@MODELS.register_module()
class ConfigurableDistiller(BaseModule):
    """Computes distillation losses from recorded student/teacher tensors.

    Two equivalent ways to configure it (the compact one is translated into
    the explicit one by :func:`~.compact.compact_to_explicit`, so both run
    the same code):

    Compact, the layer-pair form of the seed toolkit::

        distiller = dict(
            type='ConfigurableDistiller',
            student_distill_layer=['layer1', 'layer2', 'layer3'],
            teacher_distill_layer=['layer1', 'layer2', 'layer3'],
            loss=[dict(type='vid', in_channels=16, mid_channels=16,
                       out_channels=16), ...],
            weights=[1.0, 1.0, 1.0])

    or ``loss=dict(type='vid'), weights=1.0, student_channels=[16, 32,
    64], teacher_channels=[16, 32, 64]``: one loss config for every pair,
    its channel arguments (the ones ``VIDLoss`` declares) filled in.

    Explicit (see docs/distillation.md)::

        distiller = dict(
            type='ConfigurableDistiller',
            student_recorders=dict(logits=dict(type='ModuleOutputs',
                                               source='linear')),
            teacher_recorders=dict(logits=dict(type='ModuleOutputs',
                                               source='linear')),
            distill_losses=dict(loss_kd=dict(type='KDLoss', tau=4)),
            loss_forward_mappings=dict(loss_kd=dict(
                student=dict(recorder='logits', from_student=True),
                teacher=dict(recorder='logits', from_student=False))))

    In ``loss_forward_mappings`` each loss argument is one of
    ``dict(recorder=NAME, from_student=BOOL, connector=None, record_idx=0,
    data_idx=None)``, a list of those (multi-input losses), or
    ``dict(data_samples=FIELD)`` for a field of the batch's data samples
    (ground truth). A loss class that declares ground truth
    (``data_sample_inputs = dict(gt_labels='gt_label')``) gets it in both
    forms without a mapping entry.

    Each loss has one weight, its ``loss_weight`` (the compact form's
    ``weights[i]`` sets it). :attr:`loss_scale` is a schedule factor on all
    of them that hooks set (``DistillLossWarmupHook``); it is 1 otherwise.
    Log keys are ``distill.<name>``: the explicit form's keys, or the
    compact form's ``loss_<type>`` (``loss_name`` in a loss config sets
    another).

    Args:
        student_recorders (dict, optional): Recorder configs by name.
        teacher_recorders (dict, optional): Recorder configs by name.
        distill_losses (dict, optional): Loss configs by name.
        loss_forward_mappings (dict, optional): Per loss, its arguments.
        connectors (dict | list, optional): Connector configs by name
            (explicit form) or one per student layer (compact form).
        student_distill_layer (list[str | dict], optional): Compact
            form: module names or recorder configs with a ``source``.
        teacher_distill_layer (list[str | dict], optional): Compact
            form: module names or recorder configs with a ``source``.
        loss (dict | list[dict], optional): Compact form: one loss per
            layer pair, one loss over all layers, or one config copied to
            every layer pair.
        weights (float | list[float], optional): Compact form; one per
            loss, or one for all.
        student_channels (list[int], optional): Compact form: channels of
            each student layer, filling the channel arguments the losses
            declare (``pairing``) and the connectors' ``in_channels``.
        teacher_channels (list[int], optional): Compact form: the
            teacher's, for the losses and the connectors' ``out_channels``.
        layer_pairs (list[dict], optional): Compact form: the layer pairs
            as one list, ``dict(student=LAYER, teacher=LAYER,
            channels=N)`` each (or ``student_channels`` and
            ``teacher_channels``), in place of the four lists above;
            channels no loss or connector takes are not an error here.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 student_recorders: Optional[dict] = None,
                 teacher_recorders: Optional[dict] = None,
                 distill_losses: Optional[dict] = None,
                 loss_forward_mappings: Optional[dict] = None,
                 connectors: Optional[Union[dict, list]] = None,
                 student_distill_layer: Optional[Sequence] = None,
                 teacher_distill_layer: Optional[Sequence] = None,
                 loss: Optional[Union[dict, Sequence[dict]]] = None,
                 weights: Optional[Union[float, Sequence[float]]] = None,
                 student_channels: Optional[Sequence[int]] = None,
                 teacher_channels: Optional[Sequence[int]] = None,
                 layer_pairs: Optional[Sequence[dict]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        cfg = explicit_form(
            dict(
                student_recorders=student_recorders,
                teacher_recorders=teacher_recorders,
                distill_losses=distill_losses,
                loss_forward_mappings=loss_forward_mappings,
                connectors=connectors,
                student_distill_layer=student_distill_layer,
                teacher_distill_layer=teacher_distill_layer,
                loss=loss,
                weights=weights,
                student_channels=student_channels,
                teacher_channels=teacher_channels,
                layer_pairs=layer_pairs))
        student_recorders = cfg['student_recorders']
        teacher_recorders = cfg['teacher_recorders']
        connectors = cfg['connectors']
        distill_losses = cfg['distill_losses']
        loss_forward_mappings = cfg['loss_forward_mappings']

        self.student_recorders = RecorderManager(student_recorders)
        self.teacher_recorders = RecorderManager(teacher_recorders)
        self.connectors = nn.ModuleDict({
            name:
            MODELS.build(c) if isinstance(c, dict) else c
            for name, c in (connectors or {}).items()
        })
        self.distill_losses = nn.ModuleDict({
            name: build_loss(name, c)
            for name, c in (distill_losses or {}).items()
        })
        mappings = dict(loss_forward_mappings or {})
        self.loss_forward_mappings = {
            name:
            with_declared_ground_truth(self.distill_losses[name], mapping)
            if name in self.distill_losses else dict(mapping)
            for name, mapping in mappings.items()
        }
        check_distiller(self.distill_losses, self.loss_forward_mappings,
                        self.student_recorders, self.teacher_recorders,
                        self.connectors)
        self.loss_scale = 1.0

    def teacher_part(
        self,
        teacher: Optional[str] = None
    ) -> Tuple[RecorderManager, Dict[str, int]]:
        """The recorders of one teacher (None: the only one) and how many
        records the losses read from each, for ``FrozenTeacher.attach``."""
        recorders = self.teacher_recorders.subset(teacher)
        needs = teacher_record_needs(self.loss_forward_mappings)
        return recorders, {k: v for k, v in needs.items() if k in recorders}

    # ------------------------------------------------------------ lifecycle
    def prepare(self, student: nn.Module,
                teacher: Union[nn.Module, Mapping[str, nn.Module]]) -> None:
        """Attach the recorders (unknown layer names fail here, at build
        time, with suggestions) and call ``init_from_models(student,
        teacher)`` on the connectors and losses that define it (e.g. OFD's
        margins from the teacher's BN statistics). With several teachers,
        ``teacher`` is ``{name: model}``."""
        self.student_recorders.initialize(student, 'student')
        self.teacher_recorders.initialize(teacher, 'teacher')
        for part in list(self.connectors.values()) + list(
                self.distill_losses.values()):
            if hasattr(part, 'init_from_models'):
                part.init_from_models(student, teacher)

    def teardown(self) -> None:
        """Detach the recorders: hooks removed, patched methods and
        functions restored."""
        self.student_recorders.teardown()
        self.teacher_recorders.teardown()

    def reset(self) -> None:
        """Forget this step's recorded tensors."""
        self.student_recorders.reset()
        self.teacher_recorders.reset()

    # ------------------------------------------------------------ running
    def compute_distill_losses(
        self,
        data_samples: Optional[list] = None,
        teacher_records: Optional[RecorderManager] = None
    ) -> Dict[str, torch.Tensor]:
        """All distill losses from this step's records, as
        ``{name: loss}`` (each weighted by its ``loss_weight`` and by
        :attr:`loss_scale`). ``teacher_records`` (records taken out of the
        teacher recorders, e.g. by a teacher that ran ahead) replaces the
        live teacher recorders."""
        teacher = teacher_records or self.teacher_recorders
        losses = {}
        for name, mapping in self.loss_forward_mappings.items():
            kwargs = loss_inputs(mapping, data_samples, self.student_recorders,
                                 teacher, self.connectors)
            try:
                # losses compute in their own dtype policy (half precision
                # inputs upcast to float32), not in an autocast region
                # that --amp opened for the networks' forward
                with _no_autocast(kwargs):
                    value = self.distill_losses[name](**kwargs)
            except (ValueError, RuntimeError, TypeError) as err:
                recorders = (self.student_recorders, teacher)
                sources = ', '.join(
                    f'{arg} <- '
                    f'{describe_input(spec, kwargs[arg], *recorders)}'
                    for arg, spec in mapping.items())
                raise type(
                    err)(f'Distill loss {name!r} ({sources}) failed: {err}'
                         ) from err
            losses[name] = value if self.loss_scale == 1.0 else \
                value * self.loss_scale
        return losses
