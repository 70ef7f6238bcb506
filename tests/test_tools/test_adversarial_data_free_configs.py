"""The DFAD and ZSKT configs: the tiny versions train 2 iterations through
tools/train.py (evaluated on a generated tiny CIFAR-10) and DFAD's is
tested through tools/test.py; the full configs hold what their cards
(metafile.yml) say."""
import os.path as osp
import re
import sys

import pytest
import yaml
from data_utils import make_tiny_cifar
from mmengine.config import Config
from tool_utils import REPO, run_tool

CONFIGS = osp.join(REPO, 'configs', 'mmpretrain')
TINY = dict(
    dfad='tiny/dfad_resnet34-w8_resnet18-w8_tiny-cifar10.py',
    zskt='tiny/zskt_resnet34-w8_resnet18-w8_tiny-cifar10.py')
LOG_KEYS = dict(
    dfad=['gen.loss_l1', 'distill.loss_l1'],
    zskt=['gen.loss_kl', 'distill.loss_kl'] +
    [f'distill.loss_at{i}' for i in range(1, 5)])


@pytest.fixture(scope='module')
def cifar_root(tmp_path_factory):
    return make_tiny_cifar(
        str(tmp_path_factory.mktemp('cifar10')),
        num_classes=10,
        num_train=5,
        num_test=8)


def options(root):
    return [
        f'{loader}.dataset.data_root={root}'
        for loader in ('val_dataloader', 'test_dataloader')
    ]


@pytest.mark.parametrize('method', sorted(TINY))
def test_tiny_config_trains_two_iterations_and_tests(method, cifar_root,
                                                     tmp_path):
    config = osp.join(CONFIGS, TINY[method])
    proc = run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(tmp_path), '--cfg-options', *options(cifar_root)
    ])
    output = proc.stdout + proc.stderr
    lines = re.findall(r'Iter\(train\) \[\d/2\].*', output)
    assert len(lines) == 2, output[-3000:]
    for line in lines:
        values = {
            key: float(value)
            for key, value in re.findall(r'(\S+): (-?[0-9.]+)', line)
        }
        terms = [values[key] for key in LOG_KEYS[method]]
        assert values[LOG_KEYS[method][0]] < 0  # minus a discrepancy
        # the logged loss is the generator's plus the student's (4 decimals)
        assert abs(values['loss'] - sum(terms)) <= 1e-4 * (len(terms) + 1)
    assert re.search(r'Iter\(val\) \[2/2\]\s+accuracy/top1: [0-9.]+', output)
    ckpt = tmp_path / 'iter_2.pth'
    assert ckpt.exists()
    if method == 'dfad':
        proc = run_tool([
            sys.executable, 'tools/test.py', config,
            str(ckpt), '--work-dir',
            str(tmp_path / 'test'), '--cfg-options', *options(cifar_root)
        ])
        assert re.search(r'Iter\(test\).*accuracy/top1: [0-9.]+',
                         proc.stdout + proc.stderr)


def _get(cfg, key):
    for part in key.split('.'):
        cfg = cfg[int(part)] if isinstance(cfg, list) else cfg[part]
    return cfg


@pytest.mark.parametrize('method', ['dfad', 'zskt'])
def test_full_config_holds_what_its_card_says(method):
    with open(osp.join(CONFIGS, method, 'metafile.yml')) as f:
        card = yaml.safe_load(f)
    (model, ) = card['Models']
    cfg = Config.fromfile(osp.join(REPO, model['Config']))
    recipe = model['Metadata']['Recipe']
    assert recipe['checked'], 'nothing checked'
    for key, value in recipe['checked'].items():
        assert _get(cfg, key) == value, key
    # 8 processes x model.batch_size generated images per step
    assert 8 * cfg.model.batch_size == recipe['total_batch_size'] == \
        model['Metadata']['Batch Size']
    assert cfg.train_cfg.max_iters == model['Metadata']['Iterations']
    for published in model['Metadata']['Published results']:
        assert published['Source'].startswith('MMRazor 1.0.0')
    assert 'Results' not in model
