"""What every distillation algorithm shares: the student, the modes, each
network's own input normalisation, the merge of its own and the distill
losses, and task aliases."""
import math
import numbers
from typing import Dict, Iterator, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModel

from mmkd.utils.checkpoint_loader import safe_checkpoint_loading
from ..teacher import FrozenTeacher, FrozenTeacherHolder
from .builder import build_network
from .input_normalization import InputRenormalizer, declared_normalization
from .task_adapter import task_aliases


def check_weight(key: str, value) -> float:
    """A finite, non-negative number, or a TypeError/ValueError naming
    ``key``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f'{key} must be a number, got {value!r}.')
    if not math.isfinite(value) or value < 0:
        raise ValueError(f'{key} must be a finite number >= 0, got {value}.')
    return float(value)


def _scale(value, weight: float):
    if isinstance(value, (list, tuple)):
        return type(value)(v * weight for v in value)
    return value * weight


def resolve_preprocessor(cfg, student: nn.Module):
    """The algorithm's ``data_preprocessor``; a dict without ``type`` (the
    untyped top-level one of a task config, e.g. mmpretrain's, that MMEngine's
    runner hands to the model) is built with the student's preprocessor
    class, or named in a clear error."""
    if not isinstance(cfg, dict) or 'type' in cfg:
        return cfg
    own = getattr(student, 'data_preprocessor', None)
    if own is None or not hasattr(own, '_enable_normalize'):
        raise ValueError(
            f'data_preprocessor {dict(cfg)} has no type (a task config\'s '
            'top-level preprocessor, such as mmpretrain\'s, inherited by the '
            f'distillation config), and the student ({type(student).__name__}'
            ') has no preprocessor whose class it could be for. Name it, e.g. '
            "data_preprocessor = dict(type='mmpretrain.ClsDataPreprocessor', "
            '...), or set data_preprocessor = None to use the student\'s.')
    return dict(cfg, type=type(own))


def carry_batch_augments(preprocessor: nn.Module, student: nn.Module) -> None:
    """Give the algorithm's ``preprocessor`` the student's batch augments
    (mmpretrain's Mixup/CutMix from ``train_cfg.augments``, mmdet's batch
    resizes) when it has none of its own: the algorithm's preprocessor runs
    instead of the student's, which would otherwise drop them silently.
    Raises when its class cannot apply them."""
    own = getattr(student, 'data_preprocessor', None)
    augments = getattr(own, 'batch_augments', None)
    if own is None or own is preprocessor or not augments or getattr(
            preprocessor, 'batch_augments', None):
        return
    if type(preprocessor) is not type(own):
        raise ValueError(
            f"The student's {type(own).__name__} applies batch augments "
            f'({type(augments).__name__}) that the algorithm\'s '
            f'data_preprocessor ({type(preprocessor).__name__}) would drop: '
            'give the algorithm a preprocessor of the student\'s class '
            '(data_preprocessor = None uses the student\'s own), or set its '
            'batch_augments.')
    preprocessor.batch_augments = augments
    # mmpretrain's mixes one-hot labels: its preprocessor turns them on
    # with batch augments
    for flag in ('to_onehot', 'num_classes'):
        if getattr(own, flag, None) and hasattr(preprocessor, flag):
            setattr(preprocessor, flag, getattr(own, flag))
    print_log(
        f"The algorithm's data_preprocessor applies the student's batch "
        f'augments ({type(augments).__name__}), to the batch that student '
        'and teachers see.', 'current')


class BaseDistillAlgorithm(FrozenTeacherHolder, BaseModel):
    """Base of the algorithms: holds the student as ``architecture`` (the
    name MMRazor used, so checkpoints keep ``architecture.*`` keys), runs
    it in ``'tensor'``/``'predict'`` modes and leaves ``'loss'`` to the
    subclass.

    Args:
        architecture (dict | nn.Module): The student: any registered model,
            an mmdet or mmseg model config, or ``dict(cfg_path=...)``.
        student_loss_weight (float): Multiplies the student's own losses;
            0 drops them (pure distillation). Defaults to 1.0.
        data_preprocessor (dict, optional): Batches the data, moves it to
            the device and normalises it. Defaults to the student's own. A
            dict without ``type`` (a task config's top-level preprocessor,
            such as mmpretrain's) gives the arguments of the student's
            preprocessor class. Every network whose own preprocessor
            normalises otherwise gets the batch mapped to its own mean, std
            and channel order (see ``input_normalization``).
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 architecture: Union[dict, nn.Module],
                 student_loss_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        student = build_network(architecture, 'student')
        if data_preprocessor is None:
            data_preprocessor = getattr(student, 'data_preprocessor', None)
        else:
            data_preprocessor = resolve_preprocessor(data_preprocessor,
                                                     student)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        carry_batch_augments(self.data_preprocessor, student)
        self.architecture = student
        self.student_loss_weight = check_weight('student_loss_weight',
                                                student_loss_weight)
        self._task_aliases = task_aliases(student)
        # set by StopDistillHook and EvaluateTeacherHook
        self.distillation_stopped = False
        self.evaluate_teacher = False

    def init_weights(self) -> None:
        """MMEngine's ``init_weights`` (students' and connectors'
        ``init_cfg``, ``dict(type='Pretrained', checkpoint=...)`` included),
        with every checkpoint read through mmkd's safe loaders, also when
        the model is built in plain Python; MMEngine's loaders are back in
        place afterwards."""
        with safe_checkpoint_loading():
            super().init_weights()

    @property
    def student(self) -> nn.Module:
        """The student model (``architecture``)."""
        return self.architecture

    def frozen_teachers(self) -> Iterator[FrozenTeacher]:
        return iter(())

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            alias = self.__dict__.get('_task_aliases', {}).get(name)
            if alias is None:
                raise
            return super().__getattr__(alias)

    def evaluated_model(self) -> nn.Module:
        """The network ``'predict'``/``'tensor'`` modes run: the student,
        or with ``evaluate_teacher`` set (``True`` or a teacher's position
        in :meth:`frozen_teachers`), that teacher."""
        if self.evaluate_teacher is not False:
            teachers = list(self.frozen_teachers())
            index = 0 if self.evaluate_teacher is True else \
                self.evaluate_teacher
            if teachers:
                return teachers[index].model
        return self.architecture

    def inputs_for(self,
                   model: nn.Module,
                   inputs: torch.Tensor,
                   name: str = 'network') -> torch.Tensor:
        """``inputs`` (normalised by the algorithm's data preprocessor) as
        ``model``'s own preprocessor normalises them; the same tensor when
        the two agree or ``model`` declares no normalisation."""
        cache = self.__dict__.setdefault('_renormalizers', {})
        key = id(model)
        if key not in cache or cache[key][0] is not model:
            cache[key] = (model,
                          InputRenormalizer(
                              declared_normalization(self),
                              declared_normalization(model), name))
        return cache[key][1](inputs)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        model = self.evaluated_model()
        return model(self.inputs_for(model, inputs), data_samples, mode=mode)

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        raise NotImplementedError

    def merge_losses(self, student_losses: dict,
                     distill_losses: dict) -> Dict[str, torch.Tensor]:
        """The student's losses (scaled by ``student_loss_weight``) as
        ``student.<name>`` and the distill losses as ``distill.<name>``.

        The prefixes keep every name apart from MMEngine's ``loss``, the
        logged sum that is optimised: mmpretrain calls its classifier's loss
        ``loss``, which would otherwise overwrite the total in the log.
        """
        losses = {}
        for name, value in student_losses.items():
            if self.student_loss_weight != 1.0 and 'loss' in name:
                value = _scale(value, self.student_loss_weight)
            losses[f'student.{name}'] = value
        for name, value in distill_losses.items():
            losses[f'distill.{name}'] = value
        return losses

    def teardown(self) -> None:
        """Remove every hook and patch the algorithm installed."""
