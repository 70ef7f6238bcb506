"""Distillation from one frozen teacher into a student."""
import copy
import os.path as osp
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import _load_checkpoint

from mmkd.registry import MODELS
from mmkd.utils.config_check import resolve_config_path
from ..recorders import unwrap_model


class _StopTeacherForward(Exception):
    """Raised by a hook once the teacher produced every recorded tensor."""


def _build_model(cfg: Union[dict, nn.Module], role: str) -> nn.Module:
    """Build the student or teacher from a model config, or from the
    ``model`` of a whole config file given as ``dict(cfg_path=...)``
    (``'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py'``, a path).

    A type with a scope prefix (``'mmdet.MaskRCNN'``) builds its whole
    subtree in that scope, so its nested types need no prefix.
    """
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'The {role} must be a model config dict or an '
                        f'nn.Module, got {type(cfg).__name__}.')
    cfg = copy.deepcopy(cfg)
    if 'cfg_path' in cfg:
        from mmengine.config import Config
        path = cfg.pop('cfg_path')
        cfg.pop('pretrained', None)
        try:
            loaded = Config.fromfile(resolve_config_path(path))
        except FileNotFoundError as err:
            raise FileNotFoundError(f'The {role} cfg_path: {err}') from None
        if 'model' not in loaded:
            raise KeyError(f'{path!r} (the {role} cfg_path) has no model.')
        model_cfg = loaded.model
        # the file's own default scope (e.g. mmdet) builds its model
        if loaded.get('default_scope'):
            model_cfg.setdefault('_scope_', loaded.default_scope)
        model_cfg.update(cfg)  # remaining keys override the file's model
        cfg = model_cfg
    model_type = cfg.get('type')
    if isinstance(model_type, str) and '.' in model_type and \
            '_scope_' not in cfg:
        scope, name = model_type.split('.', 1)
        cfg.update(_scope_=scope, type=name)
    try:
        return MODELS.build(cfg)
    except KeyError as err:
        raise KeyError(f'Cannot build the {role} model: {err}') from err


def load_teacher_checkpoint(teacher: nn.Module, path: str) -> None:
    """Load ``path`` into ``teacher`` strictly.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        RuntimeError: Keys or shapes differ; the message lists them.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'teacher_ckpt {path!r} does not exist. Train the teacher first '
            '(tools/train.py on its config) and point teacher_ckpt at its '
            'checkpoint.')
    ckpt = _load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    state = {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in state.items()
    }
    own = teacher.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong_shape = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in set(own) & set(state)
        if hasattr(state[k], 'shape') and state[k].shape != own[k].shape)
    if missing or unexpected or wrong_shape:

        def head(items):
            return ', '.join(items[:8]) + (
                f' ... ({len(items)} in all)' if len(items) > 8 else '')

        problems = []
        if missing:
            problems.append(f'missing keys: {head(missing)}')
        if unexpected:
            problems.append(f'unexpected keys: {head(unexpected)}')
        if wrong_shape:
            problems.append(f'shape mismatches: {head(wrong_shape)}')
        raise RuntimeError(
            f'teacher_ckpt {path!r} does not match the teacher model '
            f'({type(teacher).__name__}): ' + '; '.join(problems) +
            '. A teacher loaded non-strictly would silently be random, so '
            'mmkd stops here. Check that the teacher config is the one the '
            'checkpoint was trained with.')
    teacher.load_state_dict(state, strict=True)


@MODELS.register_module()
class SingleTeacherDistill(BaseModel):
    """Trains ``architecture`` (the student) with losses from a distiller
    that compares it with a frozen ``teacher``.

    The teacher is kept outside the module tree: it is not in
    ``parameters()`` (so not in the optimizer), not wrapped by DDP, not
    converted to SyncBN and not saved in checkpoints (it is reloaded from
    ``teacher_ckpt``). It follows the algorithm's device moves, always stays
    in eval mode and runs under ``no_grad`` in ``'tensor'`` mode, stopping
    after the last module it has to record.

    Args:
        architecture (dict | nn.Module): The student: any registered model,
            e.g. ``dict(type='resnet20', num_classes=100)``, an mmdet or
            mmseg model config, or ``dict(cfg_path='mmdet::...py')``.
        teacher (dict | nn.Module): The teacher model, same forms.
        distiller (dict): The distiller, usually ``ConfigurableDistiller``.
        teacher_ckpt (str, optional): Teacher checkpoint, loaded strictly.
            Defaults to None (only allowed with ``teacher_ckpt_optional``).
        teacher_ckpt_optional (bool): Allow no teacher checkpoint (tests,
            benchmarks). Defaults to False.
        student_loss_weight (float): Multiplies the student's own losses;
            0 drops them (pure distillation). Defaults to 1.0.
        teacher_early_stop (bool): Stop the teacher's forward after its last
            recorded module. Defaults to True.
        data_preprocessor (dict, optional): Defaults to the student's.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 architecture: Union[dict, nn.Module],
                 teacher: Union[dict, nn.Module],
                 distiller: dict,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_optional: bool = False,
                 student_loss_weight: float = 1.0,
                 teacher_early_stop: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        student = _build_model(architecture, 'student')
        if data_preprocessor is None:
            data_preprocessor = getattr(student, 'data_preprocessor', None)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.architecture = student

        teacher_model = _build_model(teacher, 'teacher')
        if teacher_ckpt is not None:
            load_teacher_checkpoint(teacher_model, teacher_ckpt)
        elif not teacher_ckpt_optional:
            raise ValueError(
                'teacher_ckpt is not set: distilling from an untrained '
                'teacher is almost certainly a mistake. Set teacher_ckpt to '
                "the teacher's checkpoint (or teacher_ckpt_optional=True for "
                'tests and benchmarks).')
        teacher_model.requires_grad_(False)
        teacher_model.eval()
        self._teacher = [teacher_model]  # a list keeps it out of the tree
        self.teacher_ckpt = teacher_ckpt

        self.distiller = MODELS.build(distiller) if isinstance(
            distiller, dict) else distiller
        self.distiller.prepare(self.student, teacher_model)
        self.student_loss_weight = student_loss_weight
        self.teacher_early_stop = teacher_early_stop
        self.distillation_stopped = False
        self.evaluate_teacher = False
        self._stop_handle = None
        self._stop_calls = 0
        self._stop_active = False
        self._stop_needed = None

    # ----------------------------------------------------------- properties
    @property
    def student(self) -> nn.Module:
        """The student model (``architecture``)."""
        return self.architecture

    @property
    def teacher(self) -> nn.Module:
        """The frozen teacher model."""
        return self._teacher[0]

    @property
    def detector(self) -> nn.Module:
        """The student, under the name mmdet's hooks look for in wrapping
        models (e.g. ``YOLOXModeSwitchHook`` sets
        ``model.detector.bbox_head.use_l1``)."""
        return self.architecture

    def _apply(self, fn, *args, **kwargs):
        # .to()/.cuda()/.half() reach the teacher although it is no child
        self._teacher[0]._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)

    def train(self, mode: bool = True) -> 'SingleTeacherDistill':
        super().train(mode)
        self.teacher.eval()
        return self

    # ---------------------------------------------------------- the teacher
    def _recorded_teacher_modules(self) -> Optional[List[nn.Module]]:
        """Modules whose calls produce the teacher's records, or None when
        some record does not come from a known module (then the whole
        forward has to run)."""
        modules = []
        for recorder in self.distiller.teacher_recorders.recorders.values():
            module = getattr(recorder, 'module', None)
            if module is None or module is self.teacher:
                return None
            modules.append(module)
        return modules

    def _forward_and_plan_early_stop(self, inputs, data_samples) -> None:
        """First step: run the teacher in full while noting which recorded
        module finishes last (and how often it runs); later forwards stop
        right after that call."""
        modules = self._recorded_teacher_modules()
        self._stop_needed = False
        order: List[nn.Module] = []
        handles = [
            m.register_forward_hook(lambda mod, i, o: order.append(mod))
            for m in set(modules or [])
        ]
        try:
            self.teacher(inputs, data_samples, mode='tensor')
        finally:
            for handle in handles:
                handle.remove()
        if not modules or not order:
            return
        last = order[-1]
        calls = sum(1 for m in order if m is last)

        def stop_hook(module, args, outputs):
            if not self._stop_active:
                return
            self._stop_calls += 1
            if self._stop_calls >= calls:
                raise _StopTeacherForward

        self._stop_handle = last.register_forward_hook(stop_hook)
        self._stop_needed = True

    @torch.no_grad()
    def run_teacher(self, inputs: torch.Tensor, data_samples=None) -> None:
        """Forward the teacher as far as its recorders need."""
        self.teacher.eval()
        self._stop_calls = 0
        with self.distiller.teacher_recorders.recording():
            if self.teacher_early_stop and self._stop_needed is None:
                self._forward_and_plan_early_stop(inputs, data_samples)
                return
            self._stop_active = True
            try:
                self.teacher(inputs, data_samples, mode='tensor')
            except _StopTeacherForward:
                pass
            finally:
                self._stop_active = False

    # ----------------------------------------------------------- the modes
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        model = self.teacher if self.evaluate_teacher else self.architecture
        return model(inputs, data_samples, mode=mode)

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """The student's own losses plus ``distill.<name>`` losses."""
        distill = not self.distillation_stopped and \
            self.distiller.loss_scale != 0
        self.distiller.reset()
        try:
            if distill:
                self.run_teacher(inputs, data_samples)
                with self.distiller.student_recorders.recording():
                    student_losses = self.architecture(
                        inputs, data_samples, mode='loss')
                distill_losses = self.distiller.compute_distill_losses(
                    data_samples)
            else:
                student_losses = self.architecture(
                    inputs, data_samples, mode='loss')
                distill_losses = {}
        finally:
            self.distiller.reset()
        losses = {}
        for name, value in student_losses.items():
            if self.student_loss_weight != 1.0 and 'loss' in name:
                value = _scale(value, self.student_loss_weight)
            losses[name] = value
        for name, value in distill_losses.items():
            losses[f'distill.{name}'] = value
        return losses


def _scale(value, weight):
    if isinstance(value, (list, tuple)):
        return type(value)(v * weight for v in value)
    return value * weight


__all__ = ['SingleTeacherDistill', 'load_teacher_checkpoint', 'unwrap_model']
