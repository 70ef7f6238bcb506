"""``Distiller(config)``: distillation inside a plain PyTorch training loop.

It takes the dict config users of the seed toolkit already write and runs
it on mmkd's recorders and losses (the same ones configs use)::

    distiller = Distiller(dict(
        student_model=student, teacher_model=teacher,
        student_distill_layer=['linear'], teacher_distill_layer=['linear'],
        loss=[dict(type='vanilla_kd', T=4)], weights=[0.2],
        student_out_layer=['linear'], device=device))
    optimizer = torch.optim.SGD(distiller.get_learnable_params(), lr=0.01)
    output, kd_loss = distiller.forward(images)
    loss = criterion(output, target) + kd_loss
"""
import difflib
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.structures import BaseDataElement

from mmkd.models.distillers import ConfigurableDistiller, distill_step
from mmkd.models.recorders import ModuleOutputs, resolve_module, unwrap_model
from mmkd.models.teacher import FrozenTeacher, FrozenTeacherHolder

REQUIRED_KEYS = ('student_model', 'teacher_model', 'student_distill_layer',
                 'teacher_distill_layer', 'loss', 'weights',
                 'student_out_layer', 'device')
OPTIONAL_KEYS = ('connectors', )


def _check_keys(config: Dict[str, Any]) -> None:
    if not isinstance(config, dict):
        raise TypeError(f'Distiller takes a dict config, got '
                        f'{type(config).__name__}.')
    known = REQUIRED_KEYS + OPTIONAL_KEYS
    unknown = [k for k in config if k not in known]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1)
            hints.append(f'{key!r}' +
                         (f' (did you mean {close[0]!r}?)' if close else ''))
        raise KeyError(f'Distiller config has unknown key(s) '
                       f'{", ".join(hints)}; it takes {list(known)}.')
    missing = [k for k in REQUIRED_KEYS if k not in config]
    if missing:
        raise KeyError(f'Distiller config is missing {missing}; it needs '
                       f'{list(REQUIRED_KEYS)}.')


def _data_samples(targets: Optional[torch.Tensor],
                  indices: Optional[torch.Tensor]) -> Optional[list]:
    """Labels and indices of a plain loop's batch as the data samples that
    label-taking losses read (``gt_label``, ``sample_idx``)."""
    if targets is None and indices is None:
        return None
    sizes = {
        name: len(value)
        for name, value in (('targets', targets), ('indices', indices))
        if value is not None
    }
    if len(set(sizes.values())) > 1:
        raise ValueError(f'targets and indices differ in length: {sizes}.')
    samples = []
    for i in range(next(iter(sizes.values()))):
        sample = BaseDataElement()
        if targets is not None:
            sample.gt_label = torch.as_tensor(targets[i]).reshape(1)
        if indices is not None:
            sample.set_metainfo(dict(sample_idx=int(indices[i])))
        samples.append(sample)
    return samples


def _managed_in_place(model: nn.Module) -> bool:
    """Whether torch's composable API (``replicate``, ``fully_shard``)
    manages ``model`` in place: it syncs without a wrapper."""
    try:  # private, but the one registry those APIs write to
        from torch.distributed._composable_state import _get_module_state
    except ImportError:
        return False
    return _get_module_state(model) is not None


def _unsynced_world(runner: nn.Module) -> int:
    """How many processes train a student whose forward (``runner``)
    no DDP-style wrapper sees, so that nothing averages its gradients;
    0 when that is not the case (one process, a wrapper, no autograd)."""
    if not (dist.is_available() and dist.is_initialized()):
        return 0
    world = dist.get_world_size()
    if world < 2 or is_model_wrapper(runner) or _managed_in_place(runner) \
            or not torch.is_grad_enabled():
        return 0
    if not any(p.requires_grad for p in runner.parameters()):
        return 0
    return world


def _device_of(model: nn.Module, default: torch.device) -> torch.device:
    for tensor in list(model.parameters()) + list(model.buffers()):
        return tensor.device
    return default


def _check_device(device: Any) -> torch.device:
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f'Distiller config device {device!r} is not a '
                         f'device: {err}') from None
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError(
            f'Distiller config device is {str(device)!r} but torch sees no '
            'CUDA GPU here; use device="cpu" or a machine with a GPU.')
    return device


class Distiller(FrozenTeacherHolder, nn.Module):
    """Distills ``teacher_model`` into ``student_model`` in a plain loop.

    The student may be wrapped in ``DistributedDataParallel``: layer names
    resolve on the inner module. A student wrapped after the Distiller was
    built (as YOLOv5's ``train.py`` does) is handed over with
    :meth:`use_wrapped_student`; the Distiller runs the student's forward,
    so without the wrapper DDP would not average the gradients, and under
    several processes :meth:`forward` refuses to train such a student.
    Learnable loss parts (VID's regressors and
    variances, connectors) come back from :meth:`get_learnable_params`;
    under DDP their gradients are averaged across processes like the
    student's. The teacher is frozen and always in eval mode;
    :meth:`state_dict` holds the student and the learnable parts only.

    Args:
        config (dict): ``student_model``, ``teacher_model``,
            ``student_distill_layer``, ``teacher_distill_layer``, ``loss``
            (list of loss configs, by registered name), ``weights`` (one per
            loss), ``student_out_layer`` (the layer whose output
            :meth:`forward` returns; ``['']`` for the model's own output)
            and ``device``; optionally ``connectors`` (one per student
            layer).
    """

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__()
        _check_keys(config)
        student, teacher = config['student_model'], config['teacher_model']
        for key, model in (('student_model', student), ('teacher_model',
                                                        teacher)):
            if not isinstance(model, nn.Module):
                raise TypeError(f'{key} must be an nn.Module, got '
                                f'{type(model).__name__}.')
        self.device = _check_device(config['device'])
        s_dev = _device_of(student, self.device)
        t_dev = _device_of(teacher, self.device)
        if s_dev != t_dev:
            raise ValueError(
                f'student_model is on {s_dev} but teacher_model is on '
                f'{t_dev}; move both to the same device (config device: '
                f'{self.device}) before building the Distiller.')

        self.student = student
        # what forward calls: the student or, handed over later, its
        # wrapper (kept out of the module tree: state_dict keys stay)
        self.__dict__['_runner'] = student
        self._grads_synced = False
        # tensors the last backward handed to gloo (see _sync_learnable_grads)
        self._reduced_grads: List[torch.Tensor] = []
        # a plain object: kept out of parameters() and state_dict()
        self.frozen_teacher = FrozenTeacher(teacher, ckpt_optional=True)

        self.distiller = ConfigurableDistiller(
            student_distill_layer=config['student_distill_layer'],
            teacher_distill_layer=config['teacher_distill_layer'],
            loss=config['loss'],
            weights=config['weights'],
            connectors=config.get('connectors'))
        self.distiller.prepare(student, teacher)
        self.frozen_teacher.attach(*self.distiller.teacher_part())
        self.distiller.to(s_dev)

        out_layer = config['student_out_layer']
        if isinstance(out_layer, (list, tuple)):
            if len(out_layer) != 1:
                raise ValueError('student_out_layer must name one layer, got '
                                 f'{list(out_layer)}.')
            out_layer = out_layer[0]
        if not isinstance(out_layer, str):
            raise TypeError('student_out_layer must be a layer name (str), '
                            f'got {out_layer!r}.')
        self.out_recorder = None
        if out_layer:
            resolve_module(student, out_layer, 'student (student_out_layer)')
            self.out_recorder = ModuleOutputs(out_layer)
            self.out_recorder.initialize(student, 'student')
        self._sync_learnable_grads()

    @property
    def teacher(self) -> nn.Module:
        """The frozen teacher."""
        return self.frozen_teacher.model

    def frozen_teachers(self):
        yield self.frozen_teacher

    def teardown(self) -> None:
        """Remove every hook and patch the distiller put on the models."""
        self._reduced_grads.clear()
        self.frozen_teacher.detach()
        self.distiller.teardown()
        if self.out_recorder is not None:
            self.out_recorder.teardown()

    def __enter__(self) -> 'Distiller':
        return self

    def __exit__(self, *exc) -> None:
        self.teardown()

    def use_wrapped_student(self, wrapper: nn.Module) -> None:
        """Run the student through ``wrapper`` from now on.

        For a student wrapped after the Distiller was built::

            distiller = Distiller(dict(student_model=model, ...))
            model = DistributedDataParallel(model, device_ids=[rank])
            distiller.use_wrapped_student(model)

        Args:
            wrapper (nn.Module): A model wrapper (``DistributedDataParallel``
                or any wrapper MMEngine knows) around the Distiller's
                student.
        """
        if not is_model_wrapper(wrapper):
            raise TypeError(
                'use_wrapped_student takes the wrapped student (e.g. '
                'DistributedDataParallel(student)), got '
                f'{type(wrapper).__name__}, which is no model wrapper.')
        if unwrap_model(wrapper) is not unwrap_model(self.student):
            raise ValueError(
                f'use_wrapped_student: the {type(wrapper).__name__} wraps '
                f'a {type(unwrap_model(wrapper)).__name__} that is not the '
                "Distiller's student; wrap the very module passed as "
                'student_model (not a copy).')
        self.__dict__['_runner'] = wrapper
        self._sync_learnable_grads()

    def _check_student_synced(self) -> None:
        world = _unsynced_world(self._runner)
        if world:
            raise RuntimeError(
                f'The Distiller runs the bare student '
                f'({type(self._runner).__name__}) while {world} processes '
                'train under torch.distributed: no DistributedDataParallel '
                "sees its forward, so the processes' gradients would not be "
                'averaged. If you wrapped the student after building the '
                'Distiller, hand the wrapper over: '
                'distiller.use_wrapped_student(ddp_model) (or build the '
                'Distiller with the wrapped student).')

    def _sync_learnable_grads(self) -> None:
        """Average the learnable loss parts' gradients across processes
        when the student trains under DDP (they are not in its wrapper)."""
        if self._grads_synced or not (dist.is_available()
                                      and dist.is_initialized()
                                      and dist.get_world_size() > 1):
            return
        if not is_model_wrapper(self._runner):
            return
        self._grads_synced = True
        world = dist.get_world_size()
        held = self._reduced_grads

        def average(grad):
            grad = grad.clone()
            dist.all_reduce(grad)
            # gloo's worker thread lets go of the tensor just after the
            # collective returns; were its reference the last one, that
            # thread would free a Python object and need the GIL, which at
            # interpreter exit aborts the process ('terminate called without
            # an active exception'). Held here, this thread frees it.
            held.append(grad)
            return grad / world

        for param in self.distiller.parameters():
            if param.requires_grad:
                param.register_hook(average)

    def get_learnable_params(self) -> List[nn.Parameter]:
        """The student's parameters and the learnable distillation parts."""
        return list(self.student.parameters()) + list(
            self.distiller.parameters())

    def forward(
            self,
            data: Any,
            targets: Optional[torch.Tensor] = None,
            indices: Optional[torch.Tensor] = None
    ) -> Tuple[Any, torch.Tensor]:
        """Run teacher and student on ``data``.

        Args:
            data: The batch, as the models take it.
            targets (Tensor, optional): Class labels ``(N,)``, for losses
                that need them (DKD, ...). Defaults to None.
            indices (Tensor, optional): Dataset indices ``(N,)`` of the
                samples, for losses with a memory bank (CRD). Defaults to
                None.

        Returns:
            tuple: The output of ``student_out_layer`` and the weighted sum
            of the distillation losses.
        """
        self._check_student_synced()
        self._reduced_grads.clear()
        recorder, student = self.out_recorder, self._runner

        def run_student():
            if recorder is None:
                return student(data)
            recorder.recording = True
            try:
                student(data)
                return recorder.get_record_data(len(recorder.data) - 1)
            finally:
                recorder.recording = False
                recorder.reset()

        output, losses = distill_step(self.distiller, self.frozen_teacher,
                                      lambda teacher: teacher(data),
                                      run_student,
                                      _data_samples(targets, indices))
        return output, sum(losses.values())

    def _show(self, model: nn.Module, layers: Sequence[str],
              title: str) -> None:
        model = unwrap_model(model)
        print(f'{title} ({type(model).__name__}, '
              f'{sum(p.numel() for p in model.parameters()):,} parameters)')
        for name, module in model.named_modules():
            if not name:
                continue
            mark = '  <- distilled' if name in layers else ''
            depth = name.count('.')
            print(f'{"  " * depth}{name}: {type(module).__name__}{mark}')

    def show_student_net(self) -> None:
        """Print the student's layer names, marking the distilled ones."""
        layers = [
            r.source
            for r in self.distiller.student_recorders.recorders.values()
        ]
        self._show(self.student, layers, 'Student')

    def show_teacher_net(self) -> None:
        """Print the teacher's layer names, marking the distilled ones."""
        layers = [
            r.source
            for r in self.distiller.teacher_recorders.recorders.values()
        ]
        self._show(self.teacher, layers, 'Teacher')
