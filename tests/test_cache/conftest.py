"""Fixtures of the teacher-cache tests."""
import pytest
from cache_utils import ExplodingTeacher, TinyImages, save_teacher
from mmengine.registry import init_default_scope

from mmkd.registry import DATASETS, MODELS


@pytest.fixture(autouse=True)
def cache_registry():
    init_default_scope('mmkd')
    DATASETS.register_module(
        name='_CacheTinyImages', module=TinyImages, force=True)
    MODELS.register_module(
        name='_CacheExplodingTeacher', module=ExplodingTeacher, force=True)
    yield
    DATASETS.module_dict.pop('_CacheTinyImages', None)
    MODELS.module_dict.pop('_CacheExplodingTeacher', None)


@pytest.fixture
def teacher_ckpt(tmp_path):
    path = str(tmp_path / 'teacher.pth')
    save_teacher(path, seed=1)
    return path


@pytest.fixture
def quiet():
    """A log function that keeps the lines."""
    lines = []
    return lines.append, lines
