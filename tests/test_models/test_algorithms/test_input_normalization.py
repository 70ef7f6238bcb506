"""Each network sees its input normalised as its own preprocessor does: a
teacher with other mean/std and channel order than the student receives the
batch mapped to its own normalisation, in training and in evaluation; an
untyped preprocessor dict from a task config is resolved or named."""
import pytest
import torch
from mmengine.registry import init_default_scope
from numeric import assert_close

import mmkd  # noqa: F401
from mmkd.models.algorithms.input_normalization import (InputRenormalizer,
                                                        declared_normalization)
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample

init_default_scope('mmkd')

STUDENT_NORM = dict(mean=[10.0, 20.0, 30.0], std=[2.0, 3.0, 4.0])
# as a timm/torchvision teacher trained on RGB images with ImageNet's stats
TEACHER_NORM = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)
KD = dict(
    type='ConfigurableDistiller',
    student_distill_layer=['linear'],
    teacher_distill_layer=['linear'],
    loss=[dict(type='KDLoss', tau=4.0)])


def cnn(norm):
    return dict(
        type='SimpleCNN',
        in_channels=3,
        num_classes=4,
        data_preprocessor=None if norm is None else dict(
            type='ImgDataPreprocessor', **norm))


def build(student_norm=STUDENT_NORM, teacher_norm=TEACHER_NORM, **kwargs):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='SingleTeacherDistill',
            architecture=cnn(student_norm),
            teacher=cnn(teacher_norm),
            teacher_ckpt_optional=True,
            distiller=KD,
            **kwargs))


def raw_batch(n=2):
    gen = torch.Generator().manual_seed(0)
    images = [
        torch.randint(0, 256, (3, 8, 8), generator=gen, dtype=torch.uint8)
        for _ in range(n)
    ]
    return dict(
        inputs=images,
        data_samples=[ClsDataSample().set_gt_label(i) for i in range(n)])


def expected(images, mean, std, bgr_to_rgb=False):
    x = torch.stack(images).double()
    if bgr_to_rgb:
        x = x.flip(1)
    mean = torch.tensor(mean, dtype=torch.float64).view(1, -1, 1, 1)
    std = torch.tensor(std, dtype=torch.float64).view(1, -1, 1, 1)
    return (x - mean) / std


def capture(model, seen, name):
    """Keep the first input ``model`` is called with as ``seen[name]``."""

    def hook(module, args):
        seen.setdefault(name, args[0].detach().clone())

    return model.register_forward_pre_hook(hook)


def test_teacher_and_student_each_get_their_own_normalisation():
    algo = build().train()
    seen = {}
    handles = [
        capture(algo.student, seen, 'student'),
        capture(algo.teacher, seen, 'teacher')
    ]
    data = raw_batch()
    images = data['inputs']
    log_vars = algo.train_step(data, optim_wrapper=_optim_wrapper(algo))
    for handle in handles:
        handle.remove()
    assert torch.isfinite(log_vars['loss'])
    # the student's is exactly what its own preprocessor computes
    own = algo.student.data_preprocessor(raw_batch(), True)['inputs']
    assert torch.equal(seen['student'], own)
    assert_close(
        seen['student'],
        expected(images, **STUDENT_NORM),
        rtol=1e-6,
        name='student input')
    assert_close(
        seen['teacher'],
        expected(images, **TEACHER_NORM),
        rtol=1e-5,
        name='teacher input')


def test_an_evaluated_teacher_gets_its_own_normalisation():
    algo = build().eval()
    algo.evaluate_teacher = True
    seen = {}
    handle = capture(algo.teacher, seen, 'teacher')
    data = raw_batch()
    algo.test_step(raw_batch())
    handle.remove()
    assert_close(
        seen['teacher'],
        expected(data['inputs'], **TEACHER_NORM),
        rtol=1e-5,
        name='evaluated teacher input')


def test_a_network_that_declares_no_normalisation_takes_the_batch_as_is():
    algo = build(teacher_norm=None).train()
    seen = {}
    handles = [
        capture(algo.student, seen, 'student'),
        capture(algo.teacher, seen, 'teacher')
    ]
    algo.train_step(raw_batch(), optim_wrapper=_optim_wrapper(algo))
    for handle in handles:
        handle.remove()
    assert torch.equal(seen['teacher'], seen['student'])


def test_renormalizer_is_the_identity_when_both_agree():
    algo = build(teacher_norm=STUDENT_NORM)
    x = torch.randn(2, 3, 4, 4)
    renorm = InputRenormalizer(
        declared_normalization(algo), declared_normalization(algo.teacher),
        'teacher')
    assert renorm.identity and renorm(x) is x


def test_untyped_preprocessor_dict_takes_the_students_class():
    algo = build(
        data_preprocessor=dict(mean=[1.0, 2.0, 3.0], std=[4.0, 5.0, 6.0]))
    assert type(algo.data_preprocessor) is type(algo.student.data_preprocessor)
    assert algo.data_preprocessor.mean.flatten().tolist() == [1.0, 2.0, 3.0]
    # the student keeps its own normalisation: it is mapped from the
    # algorithm's
    seen = {}
    handle = capture(algo.student, seen, 'student')
    data = raw_batch()
    algo.train().train_step(raw_batch(), optim_wrapper=_optim_wrapper(algo))
    handle.remove()
    assert_close(
        seen['student'],
        expected(data['inputs'], **STUDENT_NORM),
        rtol=1e-5,
        name='student input')


def test_untyped_preprocessor_without_a_student_class_is_named():
    with pytest.raises(ValueError, match=r"has no type .*mmpretrain"):
        build(student_norm=None, data_preprocessor=dict(num_classes=4))


def _optim_wrapper(algo):
    from mmengine.optim import OptimWrapper
    return OptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.0))


MIXUP = dict(augments=dict(type='Mixup', alpha=0.8), probs=None)


def test_student_batch_augments_are_not_dropped():
    """mmpretrain puts Mixup/CutMix (``train_cfg.augments``) on the
    student's preprocessor; the algorithm's, which runs instead, carries
    them (or says it cannot), so they are not silently lost."""
    pytest.importorskip('mmpretrain', reason='the [cls] extra')
    student = dict(
        cnn(None),
        data_preprocessor=dict(
            type='mmpretrain.ClsDataPreprocessor',
            num_classes=4,
            batch_augments=MIXUP,
            **STUDENT_NORM))
    algo = MODELS.build(
        dict(
            type='SingleTeacherDistill',
            architecture=student,
            teacher=cnn(STUDENT_NORM),
            teacher_ckpt_optional=True,
            distiller=KD,
            data_preprocessor=dict(num_classes=4, **STUDENT_NORM)))
    augments = algo.data_preprocessor.batch_augments
    assert augments is algo.student.data_preprocessor.batch_augments
    assert type(augments).__name__ == 'RandomBatchAugment'
    # the batch the networks see is mixed: soft (non one-hot) labels
    from mmpretrain.structures import DataSample
    batch = raw_batch(4)
    batch['data_samples'] = [DataSample().set_gt_label(i) for i in range(4)]
    torch.manual_seed(0)
    data = algo.data_preprocessor(batch, True)
    scores = torch.stack([s.gt_score for s in data['data_samples']])
    assert scores.shape == (4, 4)
    assert_close(scores.sum(1), torch.ones(4), rtol=1e-6, name='soft labels')
    assert ((scores > 0) & (scores < 1)).any(), 'no sample was mixed'
    # a preprocessor class that cannot apply them is named
    with pytest.raises(ValueError, match='batch augments .* would drop'):
        MODELS.build(
            dict(
                type='SingleTeacherDistill',
                architecture=student,
                teacher=cnn(STUDENT_NORM),
                teacher_ckpt_optional=True,
                distiller=KD,
                data_preprocessor=dict(
                    type='ImgDataPreprocessor', **STUDENT_NORM)))
