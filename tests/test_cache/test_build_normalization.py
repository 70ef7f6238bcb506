"""The cache builder hands the teacher the batch as the teacher's own
preprocessor normalises it (as a live SingleTeacherDistill step does), not
as the algorithm's preprocessor does.

Planted error (seen failing once): the builder feeding the teacher the
algorithm's normalisation."""
import copy

import numpy as np
import pytest
import torch
from cache_utils import TEACHER, tiny_cfg
from numeric import assert_close, float64

from mmkd.datasets.teacher_cache import TeacherCache, build_teacher_cache
from mmkd.datasets.teacher_cache.build import _Draws
from mmkd.registry import DATASETS, MODELS

DRAWS = 2
# RGB ImageNet statistics, as a timm/torchvision teacher is trained
TEACHER_NORM = dict(
    type='ImgDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)


@pytest.mark.numeric
def test_builder_runs_the_teacher_on_its_own_normalisation(
        tmp_path, teacher_ckpt, quiet):
    cache_dir = str(tmp_path / 'cache')
    cfg = tiny_cfg(cache_dir, teacher_ckpt)
    cfg.model.teacher = dict(
        copy.deepcopy(TEACHER), data_preprocessor=TEACHER_NORM)
    with float64():
        build_teacher_cache(
            cfg, draws=DRAWS, topk=4, value_dtype='float32', log=quiet[0])
        teacher = MODELS.build(cfg.model.teacher).eval()
        teacher.load_state_dict(torch.load(teacher_ckpt)['state_dict'])
        record_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
        record_cfg.pipeline[0]['cache_dir'] = None
        recorded = _Draws(
            DATASETS.build(record_cfg), np.arange(12), DRAWS, seed=0)
        cache = TeacherCache(cache_dir)
        for index in range(12):
            for draw in range(DRAWS):
                _, _, packed = recorded[index * DRAWS + draw]
                data = teacher.data_preprocessor(
                    dict(
                        inputs=[packed['inputs']],
                        data_samples=[packed['data_samples']]))
                with torch.no_grad():
                    logits = teacher(data['inputs'], mode='tensor')[0]
                values, classes = logits.topk(4)
                entry = cache.lookup(index, draw)
                assert torch.equal(
                    torch.from_numpy(np.array(entry['classes'])).long(),
                    classes)
                assert_close(
                    torch.from_numpy(np.array(entry['logits'])).double(),
                    values,
                    rtol=1e-7,
                    name=f'top-k logits of sample {index} draw {draw}')
