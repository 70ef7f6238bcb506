"""The distillation core stays small and keeps no state shared between
instances."""
import ast
import glob
import os.path as osp

import pytest

ROOT = osp.join(
    osp.dirname(osp.abspath(__file__)), '..', '..', '..', 'mmkd', 'models')
CORE = ('distillers', 'algorithms', 'teacher', 'recorders')
MUTABLE = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp,
           ast.SetComp)


def core_files():
    return sorted(
        f for pkg in CORE for f in glob.glob(osp.join(ROOT, pkg, '*.py')))


@pytest.mark.parametrize('path', core_files(), ids=osp.basename)
def test_small_files(path):
    if osp.basename(osp.dirname(path)) in ('distillers', 'algorithms'):
        with open(path) as f:
            assert len(f.readlines()) <= 250, path


def _mutable_assignments(body, where):
    for node in body:
        targets = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if names == ['__all__']:
            continue
        is_call = isinstance(value, ast.Call) and isinstance(
            value.func, ast.Name) and value.func.id in ('dict', 'list', 'set',
                                                        'defaultdict')
        if isinstance(value, MUTABLE) or is_call:
            yield f'{where}: {", ".join(names)} (line {node.lineno})'


@pytest.mark.parametrize('path', core_files(), ids=osp.basename)
def test_no_mutable_module_or_class_state(path):
    with open(path) as f:
        tree = ast.parse(f.read())
    found = list(_mutable_assignments(tree.body, 'module'))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            found += _mutable_assignments(node.body, f'class {node.name}')
    assert not found, f'{path}: {found}'


def test_the_check_finds_shared_state():
    tree = ast.parse('CACHE = {}\nclass A:\n    seen = []\n')
    found = list(_mutable_assignments(tree.body, 'module'))
    found += _mutable_assignments(tree.body[1].body, 'class A')
    assert len(found) == 2
