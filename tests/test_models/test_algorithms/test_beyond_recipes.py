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


@pytest.mark.parametrize('method,card', CARDS,
                         ids=[card['Name'] for _, card in CARDS])
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
