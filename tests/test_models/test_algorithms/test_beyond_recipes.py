"""The CIFAR-100 configs of the algorithms beyond one teacher are the
recipes their cards (metafile.yml) state, and build."""
import copy
import os.path as osp

import pytest
import yaml
from beyond_utils import REPO
from mmengine.config import Config

from mmkd.registry import MODELS

METHODS = ('multi_teacher', 'self_distill', 'dml', 'dafl')


def _cards(method):
    with open(osp.join(REPO, 'configs', method, 'metafile.yml')) as f:
        return yaml.safe_load(f)['Models']


CARDS = [(method, card) for method in METHODS for card in _cards(method)]


def lookup(cfg, dotted):
    value = cfg
    for part in dotted.split('.'):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def mismatches(cfg, checked):
    """``key: config value != card value`` for each card entry that the
    config does not hold."""
    found = []
    for key, expected in checked.items():
        value = lookup(cfg, key)
        if isinstance(value, tuple):
            value = list(value)
        if isinstance(expected, float) or isinstance(value, float):
            same = abs(float(value) - float(expected)) < 1e-12
        else:
            same = value == expected
        if not same:
            found.append(f'{key}: {value!r} != {expected!r}')
    return found


@pytest.mark.parametrize(
    'method,card', CARDS, ids=[card['Name'] for _, card in CARDS])
def test_config_is_its_card(method, card):
    assert card['Config'].startswith(f'configs/{method}/')
    cfg = Config.fromfile(osp.join(REPO, card['Config']))
    recipe = card['Metadata']['Recipe']
    assert recipe['source'] and recipe['checked']
    assert mismatches(cfg, recipe['checked']) == []
    declared = cfg.get('recipe', {})
    if 'total_batch_size' in declared:
        assert declared.total_batch_size == recipe['total_batch_size']
    assert declared.max_epochs == recipe['epochs'] == \
        card['Metadata']['Epochs'] == cfg.train_cfg.max_epochs
    assert card['Metadata']['Batch Size'] == recipe['total_batch_size']
    # a changed value is caught (mutation check)
    key = next(iter(recipe['checked']))
    mutated = copy.deepcopy(cfg)
    mutated.merge_from_dict({key: 12345})
    assert mismatches(mutated, recipe['checked'])
    # and the model builds (teachers without their checkpoints)
    model = copy.deepcopy(cfg.model)
    if 'teacher_ckpt' in model:
        model.update(teacher_ckpt=None, teacher_ckpt_optional=True)
    for teacher in model.get('teachers', {}).values():
        teacher.update(ckpt=None, ckpt_optional=True)
    assert MODELS.build(model) is not None


NO_TEACHER_FILES = [
    f'model.teachers.{t}.{k}' for t in ('resnet56', 'resnet110')
    for k in ('ckpt=None', 'ckpt_optional=True')
]
CIFAR_CONFIGS = dict(
    multi_teacher=('multi_teacher/'
                   'ensemble_kd_r56-r110_r20_1xb64-240e_cifar100.py', 240,
                   NO_TEACHER_FILES),
    self_distill=('self_distill/byot_resnet56_1xb128-250e_cifar100.py', 250,
                  []),
    dml=('dml/dml_r32-r32_1xb64-200e_cifar100.py', 200, []),
    dafl=('dafl/dafl_r56_r20_1xb1024-2000e_cifar100.py', 2000,
          ['model.teacher_ckpt=None', 'model.teacher_ckpt_optional=True']))


@pytest.fixture(scope='module')
def cifar_root(tmp_path_factory):
    from data_utils import make_tiny_cifar
    return make_tiny_cifar(
        str(tmp_path_factory.mktemp('cifar')),
        num_classes=100,
        num_train=8,
        num_test=4)


@pytest.mark.parametrize('method', METHODS)
def test_recipe_hook_enforces_the_declared_recipe(method, cifar_root,
                                                  tmp_path):
    """Each CIFAR config lists RecipeHook: a run of another length stops
    before its first iteration, naming the difference."""
    import sys

    from tool_utils import run_tool
    path, epochs, teacher = CIFAR_CONFIGS[method]
    config = osp.join(REPO, 'configs', path)
    assert 'RecipeHook' in [
        h['type'] for h in Config.fromfile(config).custom_hooks
    ]
    loaders = ['val_dataloader', 'test_dataloader']
    if method != 'dafl':  # DAFL's train loader only counts steps
        loaders.append('train_dataloader')
    options = ['train_cfg.max_epochs=2', *teacher] + [
        f'{loader}.dataset.data_root={cifar_root}' for loader in loaders
    ]
    proc = run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(tmp_path), '--cfg-options', *options
    ],
                    check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert 'RecipeMismatchError' in proc.stderr
    assert f'2 epochs (declared {epochs})' in proc.stderr
    assert 'Epoch(train)' not in proc.stdout + proc.stderr
