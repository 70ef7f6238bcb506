"""One distillation step, shared by every algorithm and the facade."""
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from ..recorders import RecorderManager
from ..teacher import FrozenTeacher
from .configurable_distiller import ConfigurableDistiller


def distill_step(
    distiller: ConfigurableDistiller,
    teacher: Union[FrozenTeacher, Sequence[FrozenTeacher]],
    run_teacher: Callable[[nn.Module], Any],
    run_student: Callable[[], Any],
    data_samples: Optional[list] = None,
    teacher_records: Optional[RecorderManager] = None,
    record_device: Optional[torch.device] = None
) -> Tuple[Any, Dict[str, torch.Tensor]]:
    """Record the teacher (``no_grad``, eval, stopping after its last
    record), record the student, compute the distill losses, and forget the
    records whatever happens.

    Args:
        distiller (ConfigurableDistiller): Recorders, connectors, losses.
        teacher (FrozenTeacher | Sequence[FrozenTeacher]): Attached to
            (its part of) ``distiller``'s teacher recorders.
        run_teacher (callable): ``run_teacher(teacher_model)`` runs a
            teacher's forward.
        run_student (callable): ``run_student()`` runs the student's
            forward; its result is returned.
        data_samples (list, optional): The batch's data samples, for
            losses that take ground truth.
        teacher_records (RecorderManager, optional): Records of a teacher
            that already ran on this batch (``FrozenTeacher.run_ahead``);
            the teachers are not run, and their live recorders, which may
            be recording the next batch, are left alone.
        record_device (torch.device, optional): Where the losses want the
            teacher's records (the student's device), for a teacher on its
            own device. Defaults to None.

    Returns:
        tuple: What ``run_student`` returned, and ``{name: loss}``.
    """
    reset = distiller.reset if teacher_records is None else \
        distiller.student_recorders.reset
    reset()
    try:
        if teacher_records is None:
            teachers = [teacher] if isinstance(teacher, FrozenTeacher) \
                else teacher
            for one in teachers:
                one.run(run_teacher, record_device)
        with distiller.student_recorders.recording():
            student_out = run_student()
        return student_out, distiller.compute_distill_losses(
            data_samples, teacher_records)
    finally:
        reset()
