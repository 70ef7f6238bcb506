"""The configs/kd configs at odd positions train two iterations (see
test_kd_configs.py)."""
import os.path as osp

import pytest
from kd_config_utils import (KD_CONFIGS, KD_DIR, make_two_iter_cifar,
                             run_two_iters)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_two_iter_cifar(str(tmp_path_factory.mktemp('cifar')))


@pytest.mark.parametrize('name', KD_CONFIGS[1::2])
def test_config_trains_two_iterations(name, data_root, tmp_path):
    losses = run_two_iters(osp.join(KD_DIR, f'{name}.py'), tmp_path, data_root)
    assert all(key.startswith('distill.loss_') for key in losses)
