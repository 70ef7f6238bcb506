"""Helpers of the teacher-cache tests: 8x8 random colour images, a small
SimpleCNN teacher saved as a checkpoint, crop + flip draws."""
import copy

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import BaseDataset

import mmkd.datasets  # noqa: F401
import mmkd.models  # noqa: F401
from mmkd.registry import MODELS

NUM_CLASSES = 10
TEACHER = dict(
    type='SimpleCNN',
    in_channels=3,
    channels=8,
    num_convs=2,
    num_classes=NUM_CLASSES)


class TinyImages(BaseDataset):
    """``num_samples`` random 8x8 RGB images with random labels."""

    def __init__(self, num_samples=12, seed=0, **kwargs):
        self.num_samples, self.seed = num_samples, seed
        super().__init__(**kwargs)

    def load_data_list(self):
        rng = np.random.default_rng(self.seed)
        return [
            dict(
                img=rng.integers(0, 256, (8, 8, 3), dtype=np.uint8),
                gt_label=int(rng.integers(NUM_CLASSES)))
            for _ in range(self.num_samples)
        ]


class ExplodingTeacher(torch.nn.Module):
    """Stands in for the teacher where none may be built."""

    def __init__(self, **kwargs):
        raise AssertionError('the teacher was built')


def save_teacher(path, seed):
    torch.manual_seed(seed)
    teacher = MODELS.build(copy.deepcopy(TEACHER))
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return teacher


def tiny_cfg(cache_dir, teacher_ckpt, num_samples=12, padding=1):
    """A teacher-cache training config over :class:`TinyImages`."""
    return Config(
        dict(
            default_scope='mmkd',
            model=dict(
                type='CachedTeacherDistill',
                architecture=dict(
                    type='SimpleCNN',
                    in_channels=3,
                    channels=4,
                    num_convs=1,
                    num_classes=NUM_CLASSES),
                teacher=copy.deepcopy(TEACHER),
                teacher_ckpt=teacher_ckpt,
                student_loss_weight=0.1,
                distiller=dict(
                    type='ConfigurableDistiller',
                    student_recorders=dict(
                        logits=dict(type='ModuleOutputs', source='linear')),
                    distill_losses=dict(
                        loss_kd=dict(
                            type='CachedKDLoss', tau=4, loss_weight=0.9)),
                    loss_forward_mappings=dict(
                        loss_kd=dict(
                            student=dict(recorder='logits',
                                         from_student=True))))),
            data_preprocessor=dict(
                type='ImgDataPreprocessor', mean=[127.5] * 3, std=[64.0] * 3),
            train_dataloader=dict(
                batch_size=4,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(
                    type='_CacheTinyImages',
                    num_samples=num_samples,
                    pipeline=[
                        dict(
                            type='TeacherCacheReplay',
                            cache_dir=cache_dir,
                            transforms=[
                                dict(
                                    type='RecordedRandomCrop',
                                    crop_size=8,
                                    padding=padding),
                                dict(
                                    type='RecordedRandomFlip',
                                    prob=0.5,
                                    direction='horizontal'),
                                dict(type='PackClsInputs'),
                            ]),
                    ])),
        ))
