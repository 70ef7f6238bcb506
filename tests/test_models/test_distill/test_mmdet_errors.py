"""Detection distillation mistakes give errors that name both sides."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData

import mmkd  # noqa: F401
from mmkd.registry import MODELS

STUDENT = 'mmkd::mmdet/tiny/mask-rcnn_r18_fpn_tiny-coco.py'
TEACHER = 'mmkd::mmdet/tiny/mask-rcnn_r34_fpn_tiny-coco.py'


def build(distiller, teacher=None, teacher_ckpt=None):
    return MODELS.build(
        dict(
            _scope_='mmkd',
            type='SingleTeacherDistill',
            architecture=dict(cfg_path=STUDENT),
            teacher=teacher or dict(cfg_path=TEACHER),
            teacher_ckpt=teacher_ckpt,
            teacher_ckpt_optional=teacher_ckpt is None,
            distiller=dict(type='ConfigurableDistiller', **distiller)))


def batch():
    sample = DetDataSample(
        metainfo=dict(
            img_shape=(64, 64),
            pad_shape=(64, 64),
            batch_input_shape=(64, 64),
            ori_shape=(64, 64),
            scale_factor=(1.0, 1.0)))
    mask = np.zeros((1, 64, 64), dtype=np.uint8)
    mask[0, 4:40, 4:40] = 1
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[4.0, 4.0, 40.0, 40.0]]),
        labels=torch.tensor([0]),
        masks=BitmapMasks(mask, 64, 64))
    return torch.randn(1, 3, 64, 64), [sample]


def test_fpn_level_count_mismatch_names_both_layers():
    algo = build(
        dict(
            student_distill_layer=['neck'],
            teacher_distill_layer=['backbone'],
            loss=[dict(type='PKDLoss')]))
    with pytest.raises((ValueError, TypeError)) as info:
        algo(*batch(), mode='loss')
    message = str(info.value)
    assert "student 'neck'" in message and "teacher 'backbone'" in message
    assert 'the student has 5 levels, the teacher 4' in message


def test_channel_mismatch_without_connector_names_shapes():
    # a teacher whose FPN (and heads) are 32 channels wide, the student's 64
    teacher = dict(
        cfg_path=TEACHER,
        neck=dict(out_channels=32),
        rpn_head=dict(in_channels=32, feat_channels=32),
        roi_head=dict(
            bbox_roi_extractor=dict(out_channels=32),
            bbox_head=dict(in_channels=32),
            mask_roi_extractor=dict(out_channels=32),
            mask_head=dict(in_channels=32, conv_out_channels=32)))
    algo = build(
        dict(
            student_distill_layer=['neck'],
            teacher_distill_layer=['neck'],
            loss=[dict(type='PKDLoss')]),
        teacher=teacher)
    with pytest.raises(ValueError) as info:
        algo(*batch(), mode='loss')
    message = str(info.value)
    assert "student 'neck'" in message and "teacher 'neck'" in message
    assert '64' in message and '32' in message


def test_unknown_detector_layer_suggests_names():
    with pytest.raises(KeyError) as info:
        build(
            dict(
                student_distill_layer=['nek'],
                teacher_distill_layer=['neck'],
                loss=[dict(type='PKDLoss')]))
    assert "has no layer named 'nek'" in str(info.value)
    assert "'neck'" in str(info.value)


def test_teacher_checkpoint_of_another_family(tmp_path):
    cifar = MODELS.build(dict(_scope_='mmkd', type='resnet20'))
    path = tmp_path / 'resnet20.pth'
    torch.save(dict(state_dict=cifar.state_dict()), path)
    with pytest.raises(RuntimeError) as info:
        build(
            dict(
                student_distill_layer=['neck'],
                teacher_distill_layer=['neck'],
                loss=[dict(type='PKDLoss')]),
            teacher_ckpt=str(path))
    message = str(info.value)
    assert 'does not match the teacher model (MaskRCNN)' in message
    assert 'missing keys: backbone.' in message
    assert 'unexpected keys: bn1.' in message
