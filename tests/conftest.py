import os.path as osp
import sys

import pytest
import torch

# tests import their shared helpers (data_utils, tool_utils) by module name
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

# pytest-xdist runs two workers on CI's two cores: one thread each keeps
# small tensor ops from fighting over the cores
torch.set_num_threads(1)

# folders of numerically sensitive tests (losses against float64
# references, algorithms, teacher execution, the cache, the plain-PyTorch
# Distiller); equivalence tests elsewhere carry the mark themselves
NUMERIC_FOLDERS = ('test_models/', 'test_cache/', 'test_apis/')


def pytest_configure(config):
    config.addinivalue_line(
        'markers',
        'numeric: a loss reference or an equivalence test; CI runs these a '
        'second time under other CPU kernels (make '
        'test-numeric-other-kernels)')


def pytest_report_header(config):
    return (f'torch {torch.__version__}, CPU kernels '
            f'{torch.backends.cpu.get_cpu_capability()}, '
            f'{torch.get_num_threads()} thread(s) per process')


def pytest_collection_modifyitems(config, items):
    here = osp.dirname(osp.abspath(__file__))
    for item in items:
        path = osp.relpath(str(item.path), here).replace(osp.sep, '/')
        if path.startswith(NUMERIC_FOLDERS):
            item.add_marker('numeric')


@pytest.fixture(autouse=True)
def _keep_default_scope():
    """Each test leaves MMEngine's default scope as it found it. A runner
    built on an mmdet or mmpretrain config makes that package's scope
    current; a later test in the same process would then build mmkd's
    types in another registry. pytest-xdist hands files to workers as they
    free up, so which test follows which varies from machine to machine."""
    from mmengine.registry import DefaultScope
    before = set(DefaultScope._instance_dict)
    yield
    for name in list(DefaultScope._instance_dict):
        if name not in before:
            DefaultScope._instance_dict.pop(name, None)
