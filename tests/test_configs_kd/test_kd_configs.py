"""Every CIFAR-100 distillation config of configs/kd builds (no training:
the algorithm with an untrained teacher) and its committed recipe card
(configs/kd/<method>/metafile.yml) is the one its resolved config and its
folder's sources.yml generate, field by field (tools/misc/recipe_cards.py;
with the per-file test below: the committed metafiles are what
``recipe_cards.py --write`` writes). The configs at
even positions are checked here, the others in test_kd_configs_odd.py (the
two files run on both xdist workers); the layout of configs/kd and its
metafiles is checked here too."""
import glob
import os.path as osp

import pytest
import yaml
from kd_config_utils import (ALIASES, CARDED, CARDS, KD_DIR, REPO,
                             build_algorithm, card_of, kd_config_files,
                             recipe_cards)
from mmengine.config import Config

CONFIGS = sorted(CARDED + list(ALIASES))


def check_config(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    found = recipe_cards.check_config(path, card_of(path), cfg)
    assert not found, '\n'.join(found)
    model = build_algorithm(cfg)
    model.teardown()


@pytest.mark.parametrize('path', CONFIGS[0::2])
def test_config_builds_and_matches_its_card(path):
    check_config(path)


def test_every_config_is_carded_a_method_base_or_an_alias():
    others = [
        p for p in kd_config_files()
        if p not in CARDS and p not in ALIASES and not p.endswith('_base.py')
    ]
    assert not others, f'configs without a recipe card: {others}'
    bad = {a: t for a, t in ALIASES.items() if t not in CARDS}
    assert not bad, f'short names must only inherit a carded config: {bad}'
    assert set(ALIASES) == {
        'configs/kd/vanilla_kd_r20.py', 'configs/kd/vid_r20.py',
        'configs/kd/irg_r20.py'
    }


def test_model_index_lists_every_metafile_in_openmmlab_format():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    # every metafile of configs/ (kd methods and the algorithms beyond one
    # teacher) is listed
    metafiles = sorted(
        osp.relpath(p, REPO) for p in glob.glob(
            osp.join(REPO, 'configs', '**', 'metafile.yml'), recursive=True))
    assert sorted(index['Import']) == metafiles
    for model in CARDS.values():
        collection = model['_collection']
        assert collection is not None, model['Name']
        for key in ('Name', 'Paper', 'README', 'Metadata'):
            assert key in collection, (model['_metafile'], key)
        assert osp.isfile(osp.join(REPO, collection['README']))
        # MMEngine reads Config (mmkd:: scope); the name is the file's
        assert model['Name'] == osp.basename(model['Config'])[:-3]
        assert osp.isfile(osp.join(REPO, model['Config']))
        meta = model['Metadata']
        for key in ('Training Data', 'Epochs', 'Batch Size', 'Recipe'):
            assert key in meta, (model['Name'], key)
        if model['Config'].startswith('configs/kd/'):
            # the algorithms beyond one teacher list Teachers/Students
            assert {'Teacher', 'Student'} <= set(meta), model['Name']
        recipe = meta['Recipe']
        assert recipe['source'] and isinstance(recipe['deviations'], list)
        assert meta['Epochs'] == recipe['epochs']
        assert meta['Batch Size'] == recipe['total_batch_size']
        # published numbers are labelled so; Results is for numbers an mmkd
        # run reproduced (with command and log): none yet
        assert 'Results' not in model, model['Name']
        for published in meta.get('Published results', []):
            assert published['Source'] and published['Metrics'][
                'Top 1 Accuracy'] > 0, model['Name']


def test_committed_metafiles_are_the_generated_ones():
    """Each metafile holds the collection and models of its sources.yml,
    in order, as recipe_cards.py renders them; with the per-config test
    above (each model entry is the one its config generates), the
    committed cards are what `recipe_cards.py --write` writes."""
    by_file = {}
    for model in CARDS.values():
        by_file.setdefault(model['_metafile'], []).append(model)
    assert by_file
    for meta_path, models in by_file.items():
        sources = recipe_cards.load_sources(osp.dirname(meta_path))
        assert [m['Name'] for m in models] == list(sources['Models'])
        entries = [{
            k: v
            for k, v in m.items() if not k.startswith('_')
        } for m in models]
        with open(osp.join(REPO, meta_path)) as f:
            assert f.read() == recipe_cards.render_metafile(
                sources, entries), (
                    f'{meta_path} is not what recipe_cards.py writes: run '
                    'python tools/misc/recipe_cards.py --write')


def test_every_standard_pair_and_table_method_has_a_config():
    pairs = ('resnet56_resnet20', 'resnet110_resnet20', 'resnet110_resnet32',
             'resnet32x4_resnet8x4', 'wrn_40_2_wrn_16_2', 'vgg13_vgg8')
    methods = ('kd', 'fitnet', 'at', 'sp', 'cc', 'vid', 'rkd', 'pkt', 'ab',
               'ft', 'fsp', 'nst', 'crd', 'dkd', 'lskd')
    missing = [
        f'{m}/{m}_{p}' for m in methods for p in pairs
        if f'configs/kd/{m}/{m}_{p}_1xb64-240e_cifar100.py' not in CARDS
    ]
    assert not missing, f'missing configs/kd/: {missing}'


def test_headline_config_declares_the_published_recipe():
    """vid_r20 (the README's command) declares RepDistiller's total batch
    and lr, which the training tool keeps on any number of processes."""
    cfg = Config.fromfile(osp.join(KD_DIR, 'vid_r20.py'))
    recipe = card_of('configs/kd/vid_r20.py')['Metadata']['Recipe']
    assert cfg.recipe.total_batch_size == recipe['total_batch_size'] == 64
    assert cfg.recipe.lr == recipe['optimizer']['lr'] == 0.05
    assert cfg.recipe.max_epochs == recipe['epochs'] == 240
    assert 'RecipeHook' in [h['type'] for h in cfg.custom_hooks]


def test_mmengine_reads_the_model_index_of_an_installed_mmkd(tmp_path):
    """setup.py copies model-index.yml to mmkd/.mim/, next to the configs;
    MMEngine reads every metafile it lists when it resolves an mmkd::
    config, which must still resolve to the file in .mim/configs."""
    import shutil

    from mmengine.config.utils import (_get_cfg_metainfo,
                                       _get_external_cfg_base_path)
    mim = tmp_path / '.mim'
    mim.mkdir()
    shutil.copyfile(osp.join(REPO, 'model-index.yml'), mim / 'model-index.yml')
    (mim / 'configs').symlink_to(osp.join(REPO, 'configs'))
    name = 'kd/vid/vid_resnet56_resnet20_1xb64-240e_cifar100.py'
    meta = _get_cfg_metainfo(str(tmp_path), name)
    assert meta['Config'] == f'configs/{name}'
    assert _get_external_cfg_base_path(str(tmp_path),
                                       name) == str(mim / 'configs' / name)
