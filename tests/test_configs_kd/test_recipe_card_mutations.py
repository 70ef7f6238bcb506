"""The recipe-card check catches a change of any card field in a config.

For a sample of configs (compact and explicit distiller forms, several
losses, connectors on one or both sides, init stages, warm-up and dataset
hooks, another recipe, a short alias), every field of its card is changed
in the resolved config, one at a time, the way a config edit or
``--cfg-options`` would change it; the check must report each change.
"""
import copy
import os.path as osp

import pytest
from kd_config_utils import REPO, card_of, recipe_cards
from mmengine.config import Config

SAMPLE = (
    'configs/kd/kd/kd_resnet56_resnet20_1xb64-240e_cifar100.py',
    'configs/kd/vid/vid_wrn_40_2_wrn_16_2_1xb64-240e_cifar100.py',
    'configs/kd/cc/cc_vgg13_vgg8_1xb64-240e_cifar100.py',
    'configs/kd/ab/ab_resnet110_resnet32_1xb64-240e_cifar100.py',
    'configs/kd/crd/crd_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',
    'configs/kd/ft/ft_vgg13_vgg8_1xb64-240e_cifar100.py',
    'configs/kd/dkd/dkd_resnet110_resnet20_1xb64-240e_cifar100.py',
    'configs/kd/lskd/lskd_resnet110_resnet20_1xb64-240e_cifar100.py',
    'configs/kd/fitnet/fitnet_resnet32x4_resnet8x4_1xb64-240e_cifar100.py',
    'configs/kd/reviewkd/reviewkd_vgg13_vgg8_1xb64-240e_cifar100.py',
    'configs/kd/kd/kd_resnet56_resnet20_seed-recipe_1xb256-200e_cifar100.py',
    'configs/kd/vid_r20.py',
)
# another valid value of the string hyper-parameters on the cards
OTHER = {
    'repdistiller': 'paper',
    'frozen': 'joint',
    'other_classes': 'uniform',
    'mean': 'sum',
}


def changed(value):
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 2 if value else 1.0
    if isinstance(value, str):
        return OTHER.get(value, value + '_changed')
    if isinstance(value, list):
        return [changed(value[0])] + list(value[1:]) if value else [1]
    raise TypeError(value)


def _set(cfg, keys, value):
    node = cfg
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


def _get(cfg, keys):
    node = cfg
    for key in keys:
        node = node[key]
    return node


def _n_layers(distiller):
    layers = distiller.get('layer_pairs') or distiller['student_distill_layer']
    return len(layers)


def _layer_site(distiller, side, index):
    """Where layer ``index`` of ``side`` lives: a list of the compact
    form, or an entry of its ``layer_pairs``."""
    if distiller.get('layer_pairs') is not None:
        return distiller['layer_pairs'][index], side
    return distiller[f'{side}_distill_layer'], index


def loss_sites(distiller):
    """Per loss, in order: the loss config, the student and teacher layer
    entries (recorder configs or layer names) and where its student
    connector lives, in either form of the distiller config."""
    sites = []
    if distiller.get('loss') is not None:
        # one config for every layer pair, one weight for every loss: as
        # the list per pair they stand for (the same explicit form)
        n_layers = _n_layers(distiller)
        for key in ('loss', 'connectors'):
            if isinstance(distiller.get(key), dict):
                distiller[key] = [
                    copy.deepcopy(distiller[key]) for _ in range(n_layers)
                ]
        if isinstance(distiller.get('weights'), (int, float)):
            distiller['weights'] = [distiller['weights']] * len(
                distiller['loss'])
        losses = distiller['loss']
        one_for_all = len(losses) != n_layers
        for i, loss in enumerate(losses):
            layer = 0 if one_for_all else i
            sites.append(
                dict(
                    loss=loss,
                    weights=(distiller, 'weights', i),
                    student=_layer_site(distiller, 'student', layer),
                    teacher=_layer_site(distiller, 'teacher', layer),
                    connector=('compact', distiller, layer)))
        return sites
    for name, loss in distiller['distill_losses'].items():
        mapping = distiller['loss_forward_mappings'][name]
        student, teacher = mapping['student'], mapping['teacher']
        sites.append(
            dict(
                loss=loss,
                weights=None,
                student=(distiller['student_recorders'][student['recorder']],
                         'source'),
                teacher=(distiller['teacher_recorders'][teacher['recorder']],
                         'source'),
                connector=('explicit', student)))
    return sites


def _set_layer(site, value='conv1'):
    container, key = site
    entry = container[key]
    if isinstance(entry, dict):
        entry['source'] = value
    else:
        container[key] = value


def mutations(cfg, card):
    """``(card field, function that changes it in a config)`` pairs."""
    recipe = card['Metadata']['Recipe']
    found = [
        ('total_batch_size (dataloader)',
         lambda c: _set(c, ['train_dataloader', 'batch_size'], 2 * recipe[
             'total_batch_size'])),
        ('total_batch_size (declared)',
         lambda c: _set(c, ['recipe', 'total_batch_size'], 2 * recipe[
             'total_batch_size'])),
        ('lr', lambda c: _set(c, ['optim_wrapper', 'optimizer', 'lr'],
                              changed(recipe['optimizer']['lr']))),
        ('lr (declared)', lambda c: _set(c, ['recipe', 'lr'],
                                         changed(recipe['optimizer']['lr']))),
        ('momentum',
         lambda c: _set(c, ['optim_wrapper', 'optimizer', 'momentum'], 0.8)),
        ('weight_decay', lambda c: _set(
            c, ['optim_wrapper', 'optimizer', 'weight_decay'], 1e-4)),
        ('optimizer type',
         lambda c: _set(c, ['optim_wrapper', 'optimizer', 'type'], 'AdamW')),
        ('schedule milestones',
         lambda c: _set(c, ['param_scheduler', 'milestones'],
                        changed(recipe['schedule'][0]['milestones']))),
        ('schedule gamma',
         lambda c: _set(c, ['param_scheduler', 'gamma'],
                        changed(recipe['schedule'][0]['gamma']))),
        ('epochs',
         lambda c: _set(c, ['train_cfg', 'max_epochs'], recipe['epochs'] + 1)),
        ('epochs (declared)',
         lambda c: _set(c, ['recipe', 'max_epochs'], recipe['epochs'] + 1)),
        ('augmentation', lambda c: c.train_dataloader.dataset.pipeline.pop(1)),
        ('crop padding', lambda c: _set(
            c, ['train_dataloader', 'dataset', 'pipeline', 0, 'padding'], 8)),
        ('student_init', lambda c: _set(
            c, ['model', 'architecture', 'init_cfg'], None
            if recipe['student_init'] == 'pretrained' else dict(
                type='Pretrained', checkpoint='student.pth'))),
        ('ce_weight', lambda c: _set(c, ['model', 'student_loss_weight'],
                                     changed(recipe['ce_weight']))),
    ]
    for i, (want, site) in enumerate(
            zip(recipe['losses'], loss_sites(cfg.model.distiller))):
        del want['type']  # its class: the build checks every config
        found += loss_mutations(i, want, site)
    for i, hook in enumerate(recipe['hooks']):
        found.append((f'hooks[{i}] dropped', lambda c, t=hook['type']: _set(
            c, ['custom_hooks'], [h for h in c.custom_hooks
                                  if h['type'] != t])))
        for key, value in hook.items():
            if key == 'type' or isinstance(value, (dict, list)):
                continue
            found.append((f'hooks[{i}].{key}',
                          lambda c, t=hook['type'], k=key, v=value: [
                              h.update({k: changed(v)}) for h in c.custom_hooks
                              if h['type'] == t
                          ]))
    return found


def loss_mutations(i, want, site):
    found = []

    def weight(c):
        owner = site['weights']
        if owner is not None and owner[0].get(owner[1]) is not None:
            owner[0][owner[1]][owner[2]] *= 2
        else:
            site['loss']['loss_weight'] = 2 * want['weight']

    found.append((f'losses[{i}].weight', weight))
    for key, value in (want.get('params') or {}).items():
        found.append(
            (f'losses[{i}].params.{key}',
             lambda c, k=key, v=value: site['loss'].update({k: changed(v)})))
    found.append(
        (f'losses[{i}].student', lambda c: _set_layer(site['student'])))
    found.append(
        (f'losses[{i}].teacher', lambda c: _set_layer(site['teacher'])))

    def connector(c):
        kind, *where = site['connector']
        if kind == 'explicit':
            where[0]['connector'] = None
            return
        distiller, index = where
        connectors = distiller.get('connectors') or [None
                                                     ] * _n_layers(distiller)
        connectors[index] = None if connectors[index] else dict(
            type='ConvBNConnector', in_channels=1, out_channels=1)
        distiller['connectors'] = connectors

    found.append((f'losses[{i}].connector', connector))
    return found


def test_sample_covers_both_distiller_forms():
    forms = {
        'loss' in Config.fromfile(osp.join(REPO, p)).model.distiller
        for p in SAMPLE
    }
    assert forms == {True, False}


@pytest.mark.parametrize('path', SAMPLE)
def test_changing_any_card_field_in_the_config_fails_the_check(path):
    original = Config.fromfile(osp.join(REPO, path))
    card = copy.deepcopy(card_of(path))
    assert recipe_cards.check_config(path, card, original) == []
    fields = [field for field, _ in mutations(original, copy.deepcopy(card))]
    assert len(fields) >= 20
    missed = []
    for field in fields:
        cfg = copy.deepcopy(original)
        # the mutations act on the config they were made from
        dict(mutations(cfg, copy.deepcopy(card)))[field](cfg)
        if not recipe_cards.check_config(path, card, cfg):
            missed.append(field)
    assert not missed, f'{path}: changing {missed} went unnoticed'
