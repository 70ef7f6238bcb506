"""Every CIFAR-100 distillation config in configs/kd builds and trains two
iterations on a generated archive (the configs at even positions here, the
others in test_kd_configs_odd.py), and states the number it targets."""
import os.path as osp
import re

import pytest
from kd_config_utils import (KD_CONFIGS, KD_DIR, make_two_iter_cifar,
                             run_two_iters)

CONFIGS = KD_CONFIGS


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_two_iter_cifar(str(tmp_path_factory.mktemp('cifar')))


@pytest.mark.parametrize('name', KD_CONFIGS[0::2])
def test_config_trains_two_iterations(name, data_root, tmp_path):
    losses = run_two_iters(osp.join(KD_DIR, f'{name}.py'), tmp_path, data_root)
    assert all(key.startswith('distill.loss_') for key in losses)


@pytest.mark.parametrize('name', CONFIGS)
def test_config_header_states_published_numbers(name):
    with open(osp.join(KD_DIR, f'{name}.py')) as f:
        header = ''.join(line for line in f if line.startswith('#'))
    assert re.search(r'Published top-1.*\d+\.\d\d', header, re.S), \
        f'configs/kd/{name}.py: the header must state the published top-1 ' \
        'numbers the config targets'


def test_every_standard_pair_and_table_method_has_a_config():
    pairs = ('resnet56_resnet20', 'resnet110_resnet20', 'resnet110_resnet32',
             'resnet32x4_resnet8x4', 'wrn_40_2_wrn_16_2', 'vgg13_vgg8')
    methods = ('kd', 'fitnet', 'at', 'vid', 'rkd', 'pkt', 'crd', 'dkd')
    missing = [
        f'{m}_{p}' for m in methods for p in pairs
        if f'{m}_{p}' not in CONFIGS
    ]
    assert not missing, f'missing configs/kd/: {missing}'
