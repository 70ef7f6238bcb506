"""Write the CIFAR-100 tables of docs/methods.md and of every
configs/kd/<method>/README.md (and each README's "Source:" line) from the
recipe cards (the metafiles, which tools/misc/recipe_cards.py --write
generates from the configs and each method's sources.yml).

The generated parts sit between ``<!-- generated: NAME -->`` and
``<!-- end generated -->`` lines; the rest of each file is written by hand.
``--check`` writes nothing and fails when a file differs from what it
would write (``tests/test_configs_kd/test_methods_doc.py`` runs it), so
the documentation and the cards never disagree.

    python tools/misc/gen_methods_doc.py           # rewrite the tables
    python tools/misc/gen_methods_doc.py --check   # exit 1 if out of date
"""
import argparse
import os.path as osp
import re
import sys
import textwrap
from collections import OrderedDict
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from recipe_cards import REPO, load_cards  # noqa: E402

PAIRS = ('resnet56_resnet20', 'resnet110_resnet20', 'resnet110_resnet32',
         'resnet32x4_resnet8x4', 'wrn_40_2_wrn_16_2', 'vgg13_vgg8')
PAIR_TITLES = ('r56->r20', 'r110->r20', 'r110->r32', 'r32x4->r8x4',
               'wrn40-2->wrn16-2', 'vgg13->vgg8')
BLOCK = re.compile(
    r'(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)'
    r'(<!-- end generated -->)', re.S)
NOT_TRAINED = 'not trained'


def _pair(model: dict) -> str:
    meta = model['Metadata']
    return f'{meta["Teacher"]["Name"]}_{meta["Student"]["Name"]}'


def _baseline(network: dict) -> float:
    """The published top-1 of a teacher or student trained alone."""
    return network['Published']['Top 1 Accuracy']


def _published(model: dict) -> Optional[dict]:
    """The published result on a card, if any (never ``Results``: that is
    for numbers a run of mmkd reproduced)."""
    published = model['Metadata'].get('Published results') or []
    return published[0] if published else None


def _result(model: dict) -> Optional[float]:
    published = _published(model)
    return published['Metrics']['Top 1 Accuracy'] if published else None


def _config_name(model: dict) -> str:
    return osp.basename(model['Config'])


def by_collection(models: List[dict]) -> Dict[str, List[dict]]:
    groups: Dict[str, List[dict]] = OrderedDict()
    for model in models:
        groups.setdefault(model['In Collection'], []).append(model)
    return groups


# -------------------------------------------------------- method README
def method_table(models: List[dict]) -> str:
    """The README table of one method: published number (dagger where the
    config deviates from the source), source, mmkd's own number, config."""
    lines = [
        '| teacher | student | teacher top-1 | student top-1 | published '
        'top-1 | source | mmkd top-1 | config |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |'
    ]
    notes = []
    for model in models:
        meta = model['Metadata']
        recipe = meta['Recipe']
        number = _result(model)
        published = '-' if number is None else f'{number:.2f}'
        marks = ''
        for deviation in recipe.get('deviations') or []:
            if deviation not in notes:
                notes.append(deviation)
            marks += f'[^{notes.index(deviation) + 1}]'
        if marks:
            published += ' \u2020' + marks
        source = (_published(model) or {}).get('Source', '-')
        name = _config_name(model)
        lines.append(
            f'| {meta["Teacher"]["Name"]} | {meta["Student"]["Name"]} | '
            f'{_baseline(meta["Teacher"]):.2f} | '
            f'{_baseline(meta["Student"]):.2f} | '
            f'{published} | {source} | {NOT_TRAINED} | [{name}](./{name}) |')
    text = '\n'.join(lines) + '\n'
    if notes:
        text += ('\n\u2020 The config differs from the recipe behind the '
                 'published number, as its card states:\n\n')
        text += ''.join(f'[^{i + 1}]: {note}\n'
                        for i, note in enumerate(notes))
    return text


def recipe_source(models: List[dict]) -> str:
    """The README's "Source:" line: the source on the card of the method's
    first config (its main recipe)."""
    source = models[0]['Metadata']['Recipe']['source'].rstrip('.')
    return textwrap.fill(
        f'Source: {source}.', width=76, break_on_hyphens=False) + '\n'


# ------------------------------------------------------ docs/methods.md
def cifar_table(groups: Dict[str, List[dict]]) -> str:
    """One row per method, one column per standard pair."""
    head = ('| method (paper) | configs | ' + ' | '.join(PAIR_TITLES) +
            ' | recipe from |')
    lines = [head, '|' + ' --- |' * (len(PAIRS) + 3)]
    teacher = {
        _pair(m): _baseline(m['Metadata']['Teacher'])
        for g in groups.values()
        for m in g
    }
    student = {
        _pair(m): _baseline(m['Metadata']['Student'])
        for g in groups.values()
        for m in g
    }
    for label, values in (('teacher alone', teacher), ('student alone',
                                                       student)):
        cells = [f'{values[p]:.2f}' if p in values else '-' for p in PAIRS]
        lines.append(f'| {label} | `configs/baselines/` | ' +
                     ' | '.join(cells) + ' | |')
    for collection, models in groups.items():
        main = {_pair(m): m for m in models if '_1xb64-240e_' in m['Config']}
        cells = []
        for pair in PAIRS:
            model = main.get(pair)
            if model is None:
                cells.append('')
                continue
            number = _result(model)
            cell = '-' if number is None else f'{number:.2f}'
            if model['Metadata']['Recipe'].get('deviations'):
                cell += ' \u2020'
            cells.append(cell)
        sample = models[0]
        folder = osp.dirname(sample['Config'])
        info = sample['_collection']
        code = (info.get('Code') or {}).get('URL')
        source = f'[{code.rstrip("/").split("/")[-1]}]({code})' if code \
            else 'mmkd (no published recipe)'
        lines.append(f'| [{collection}]({info["Paper"]["URL"]}) '
                     f'| [`{folder}/`](../{folder}/README.md) | ' +
                     ' | '.join(cells) + f' | {source} |')
    return '\n'.join(lines) + '\n'


def deviation_list(groups: Dict[str, List[dict]]) -> str:
    """Every deviation a card states, by method, with its configs."""
    lines = []
    for collection, models in groups.items():
        found: Dict[str, List[str]] = OrderedDict()
        for model in models:
            for deviation in model['Metadata']['Recipe'].get(
                    'deviations') or []:
                found.setdefault(deviation,
                                 []).append(_config_name(model)[:-3])
        for deviation, configs in found.items():
            where = ', '.join(f'`{c}`' for c in configs)
            lines.append(f'- {collection} ({where}): {deviation}')
    if not lines:
        return 'None.\n'
    return '\n'.join(lines) + '\n'


def two_stage_list(groups: Dict[str, List[dict]]) -> str:
    lines = []
    for collection, models in groups.items():
        hooks = [
            h for h in models[0]['Metadata']['Recipe'].get('hooks') or []
            if h['type'] == 'InitStageHook'
        ]
        if hooks:
            hook = hooks[0]
            then = ('cross-entropy only' if hook['after'] == 'student_only'
                    else 'the distill losses as configured')
            lines.append(
                f'- {collection}: {hook["epochs"]} init epochs training '
                f'`{", ".join(hook["train"])}`, then {then}.')
    return '\n'.join(lines) + '\n'


def render(path: str, blocks: Dict[str, str]) -> str:
    with open(path) as f:
        text = f.read()

    def replace(match):
        name = match.group('name')
        if name not in blocks:
            raise KeyError(f'{path}: no generator for block {name!r}.')
        return match.group(1) + blocks[name] + match.group(4)

    return BLOCK.sub(replace, text)


def outputs(repo: str = REPO) -> Dict[str, str]:
    """``{path: the text it should have}`` for every generated file."""
    groups = by_collection(load_cards(repo))
    files = {}
    for models in groups.values():
        readme = osp.join(repo, osp.dirname(models[0]['Config']), 'README.md')
        files[readme] = render(
            readme, {
                'recipe-table': method_table(models),
                'recipe-source': recipe_source(models),
            })
    doc = osp.join(repo, 'docs', 'methods.md')
    files[doc] = render(
        doc, {
            'cifar-table': cifar_table(groups),
            'deviations': deviation_list(groups),
            'two-stage': two_stage_list(groups),
        })
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--check',
        action='store_true',
        help='write nothing; exit 1 if a file is stale')
    args = parser.parse_args()
    stale = []
    for path, text in outputs().items():
        with open(path) as f:
            current = f.read()
        if current == text:
            continue
        stale.append(osp.relpath(path, REPO))
        if not args.check:
            with open(path, 'w') as f:
                f.write(text)
    if args.check and stale:
        print('Out of date (run python tools/misc/gen_methods_doc.py): ' +
              ', '.join(stale))
        return 1
    print(f'{"stale" if args.check else "rewritten"}: {stale or "none"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
