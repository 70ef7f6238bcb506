"""The algorithms beyond one teacher hand each network the batch as its own
preprocessor normalises it: every teacher of MultiTeacherDistill, every
student of MutualLearning, SelfDistill's and CachedTeacherDistill's student
(when the algorithm's preprocessor differs from the student's), and the
teacher cache builder's teacher.

Planted error (seen failing once): the multi-teacher lambda passing the
algorithm's ``inputs`` to every teacher."""
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from numeric import assert_close
from test_input_normalization import (STUDENT_NORM, TEACHER_NORM, capture,
                                      expected, raw_batch)

import mmkd  # noqa: F401
from mmkd.registry import MODELS

init_default_scope('mmkd')

# a third normalisation: grey-ish stats, no channel swap
OTHER_NORM = dict(mean=[100.0, 110.0, 120.0], std=[30.0, 40.0, 50.0])


def cnn(norm, channels=8):
    return dict(
        type='SimpleCNN',
        in_channels=3,
        channels=channels,
        num_classes=4,
        data_preprocessor=dict(type='ImgDataPreprocessor', **norm))


def train_step(algo, models):
    """One train step; the first input each of ``models`` saw."""
    seen = {}
    handles = [capture(m, seen, name) for name, m in models.items()]
    try:
        log_vars = algo.train().train_step(
            raw_batch(),
            optim_wrapper=OptimWrapper(
                torch.optim.SGD(algo.parameters(), lr=0.0)))
    finally:
        for handle in handles:
            handle.remove()
    assert torch.isfinite(log_vars['loss'])
    return seen


def check(seen, norms):
    images = raw_batch()['inputs']
    assert set(seen) == set(norms)
    for name, norm in norms.items():
        assert_close(
            seen[name],
            expected(images, **norm),
            rtol=1e-5,
            name=f'{name} input')


def test_multi_teacher_every_teacher_gets_its_own_normalisation():
    torch.manual_seed(0)
    algo = MODELS.build(
        dict(
            type='MultiTeacherDistill',
            architecture=cnn(STUDENT_NORM),
            teachers=dict(
                t1=dict(model=cnn(TEACHER_NORM, 16), ckpt_optional=True),
                t2=dict(model=cnn(OTHER_NORM, 4), ckpt_optional=True)),
            distiller=dict(
                type='ConfigurableDistiller',
                student_distill_layer=['linear', 'linear'],
                teacher_distill_layer=['t1/linear', 't2/linear'],
                loss=[dict(type='EnsembleKDLoss', tau=4.0)])))
    seen = train_step(
        algo,
        dict(
            student=algo.architecture,
            t1=algo.teachers['t1'],
            t2=algo.teachers['t2']))
    check(seen, dict(student=STUDENT_NORM, t1=TEACHER_NORM, t2=OTHER_NORM))


def test_mutual_learning_every_student_gets_its_own_normalisation():
    torch.manual_seed(0)
    algo = MODELS.build(
        dict(
            type='MutualLearning',
            students=[
                cnn(STUDENT_NORM),
                cnn(TEACHER_NORM, 4),
                cnn(OTHER_NORM, 16)
            ]))
    seen = train_step(algo, {f's{i}': s for i, s in enumerate(algo.students)})
    check(seen, dict(s0=STUDENT_NORM, s1=TEACHER_NORM, s2=OTHER_NORM))


def test_self_distill_student_keeps_its_own_normalisation():
    torch.manual_seed(0)
    algo = MODELS.build(
        dict(
            type='SelfDistill',
            architecture=cnn(STUDENT_NORM),
            aux_heads=[dict(source='layer1', in_channels=8)],
            # the algorithm normalises otherwise; the student is mapped back
            data_preprocessor=dict(type='ImgDataPreprocessor', **OTHER_NORM)))
    seen = train_step(algo, dict(student=algo.architecture))
    check(seen, dict(student=STUDENT_NORM))
