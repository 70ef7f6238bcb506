"""docs/methods.md and the configs/kd/<method>/README.md tables are what
tools/misc/gen_methods_doc.py writes from the recipe cards: run it after
changing a metafile."""
import os.path as osp

import gen_methods_doc
from kd_config_utils import REPO


def test_docs_are_generated_from_the_recipe_cards():
    stale = []
    for path, text in gen_methods_doc.outputs().items():
        with open(path) as f:
            if f.read() != text:
                stale.append(osp.relpath(path, REPO))
    assert not stale, (f'{stale} differ from the recipe cards: run python '
                       'tools/misc/gen_methods_doc.py')


def test_tables_mark_deviations_and_have_no_mmkd_numbers_yet():
    text = gen_methods_doc.outputs()[osp.join(REPO, 'configs', 'kd',
                                              'reviewkd', 'README.md')]
    assert '75.63 \u2020[^1]' in text
    assert "[^1]: The teacher's stage outputs are recorded after" in text
    dkd = gen_methods_doc.outputs()[osp.join(REPO, 'configs', 'kd', 'dkd',
                                             'README.md')]
    assert '| 71.97 |' in dkd  # no deviation left for resnet56 -> resnet20
    assert 'not trained' in text


def test_readme_source_line_is_the_cards():
    """A method README's "Source:" line is generated from its card, not a
    second hand-written copy."""
    from kd_config_utils import CARDS
    path = osp.join(REPO, 'configs', 'kd', 'vid', 'README.md')
    card = CARDS['configs/kd/vid/vid_resnet56_resnet20_1xb64-240e_cifar100.py']
    source = card['Metadata']['Recipe']['source']
    text = gen_methods_doc.outputs()[path]
    block = text.split('<!-- generated: recipe-source -->\n')[1].split(
        '<!-- end generated -->')[0]
    assert ' '.join(block.split()) == f'Source: {source}.'
