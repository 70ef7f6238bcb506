"""The package's layers: every import inside ``mmkd/`` (at module level or
inside a function) points down the order

    utils < registry, structures < models < engine, datasets, evaluation
    < apis < cli, analysis

and no set of modules imports itself in a circle. ``mmkd/utils`` imports
nothing else from mmkd. The checker is tested on a planted upward import
and a planted circle, so that it can fail."""
import ast
import os
import os.path as osp
import textwrap

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

LAYERS = {
    'mmkd.version': 0,
    'mmkd.tool_env': 0,  # the tools' first import: standard library only
    'mmkd.utils': 0,
    'mmkd.registry': 1,
    'mmkd.structures': 1,
    'mmkd.models': 2,
    'mmkd.engine': 3,
    'mmkd.datasets': 3,
    'mmkd.evaluation': 3,
    'mmkd.apis': 4,
    'mmkd.cli': 5,
    'mmkd.analysis': 5,
}


def layer_of(module: str):
    """The layer of ``module`` (by its longest listed prefix), or None for
    the package's own ``__init__`` (``mmkd``)."""
    parts = module.split('.')
    for end in range(len(parts), 1, -1):
        key = '.'.join(parts[:end])
        if key in LAYERS:
            return key, LAYERS[key]
    return None


def module_imports(root: str):
    """{module: {(imported module, line)}} for every .py file of
    ``root/mmkd``, module- and function-level imports alike."""
    graph = {}
    package = osp.join(root, 'mmkd')
    for folder, _, files in os.walk(package):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = osp.join(folder, name)
            module = osp.relpath(path, root)[:-3].replace(os.sep, '.')
            is_package = module.endswith('.__init__')
            if is_package:
                module = module[:-len('.__init__')]
            with open(path) as f:
                tree = ast.parse(f.read(), path)
            targets = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = module.split('.')
                        if not is_package:
                            base = base[:-1]
                        base = base[:len(base) - node.level + 1]
                        prefix = '.'.join(base + [node.module or ''])
                    else:
                        prefix = node.module or ''
                    prefix = prefix.rstrip('.')
                    # `from pkg import submodule` imports the submodule
                    names = [prefix] + [
                        f'{prefix}.{alias.name}' for alias in node.names
                    ]
                else:
                    continue
                for target in names:
                    if target == 'mmkd' or target.startswith('mmkd.'):
                        targets.add((target, node.lineno))
            graph[module] = targets
    return graph


def _existing(target: str, graph) -> str:
    """``target`` if it is a module of the graph, else its parent that is
    (``from mmkd.models.losses import KDLoss`` -> ``mmkd.models.losses``)."""
    while target not in graph and '.' in target:
        target = target.rsplit('.', 1)[0]
    return target


def layer_violations(root: str):
    """'module:line imports target (layer a -> layer b)' for each import
    that points up the layer order."""
    problems = []
    raw = module_imports(root)
    for module, targets in sorted(raw.items()):
        own = layer_of(module)
        if own is None:
            continue
        for target, line in sorted({(_existing(t, raw), n)
                                    for t, n in targets}):
            theirs = layer_of(target)
            if theirs is None:
                problems.append(f'{module}:{line} imports the mmkd package '
                                'itself (import from its layer instead)')
                continue
            if theirs[1] > own[1] or (own[0] == 'mmkd.utils' and theirs[0]
                                      not in ('mmkd.utils', 'mmkd.version')):
                problems.append(f'{module}:{line} imports {target} '
                                f'({own[0]} -> {theirs[0]})')
    return problems


def import_cycles(root: str):
    """The strongly connected sets of more than one module (and modules
    importing themselves) of the import graph."""
    raw = module_imports(root)
    # a module's own parent packages are not its dependencies: Python runs
    # them before it anyway (`from .. import losses` depends on losses)
    graph = {
        module: {
            t
            for t in (_existing(t, raw) for t, _ in targets)
            if not module.startswith(t + '.')
        }
        for module, targets in raw.items()
    }
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in graph:
                continue
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_every_import_points_down_the_layers():
    problems = layer_violations(REPO)
    assert not problems, 'imports against the layer order:\n' + '\n'.join(
        problems)


def test_no_module_imports_itself_in_a_circle():
    cycles = import_cycles(REPO)
    assert not cycles, 'import circles:\n' + '\n'.join(' <-> '.join(c)
                                                       for c in cycles)


# function-level imports of mmkd modules, each with why it is not at the
# top of its file (none may exist to hide a circle)
FUNCTION_LEVEL_IMPORTS = {
    # `import mmkd` imports nothing but the version; mmkd.Distiller loads
    # the models on first use
    'mmkd/__init__.py':
    'from .apis import Distiller',
    # the head subclasses mmpretrain's (the cls extra): its module imports
    # mmpretrain, so only building the head imports it
    'mmkd/models/heads/deit_head.py':
    'from .mmpretrain_deit_head import DeiTDistillClsHead',
}


def function_level_imports(root: str):
    """'path:line statement' of each import of an mmkd module inside a
    function of ``root/mmkd``."""
    found = []
    for folder, _, files in os.walk(osp.join(root, 'mmkd')):
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = osp.join(folder, name)
            rel = osp.relpath(path, root).replace(os.sep, '/')
            with open(path) as f:
                tree = ast.parse(f.read(), path)
            for func in ast.walk(tree):
                if not isinstance(func,
                                  (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(func):
                    top = ''
                    if isinstance(node, ast.ImportFrom):
                        top = (node.module or '').split('.')[0]
                    if isinstance(node, ast.ImportFrom) and (node.level
                                                             or top == 'mmkd'):
                        text = (f'from {"." * node.level}{node.module or ""}'
                                f' import '
                                f'{", ".join(a.name for a in node.names)}')
                    elif isinstance(node, ast.Import) and any(
                            a.name.split('.')[0] == 'mmkd'
                            for a in node.names):
                        text = 'import ' + ', '.join(a.name
                                                     for a in node.names)
                    else:
                        continue
                    if FUNCTION_LEVEL_IMPORTS.get(rel) != text:
                        found.append(f'{rel}:{node.lineno} {text}')
    return found


def test_no_function_level_import_of_mmkd_modules():
    found = function_level_imports(REPO)
    assert not found, (
        'imports of mmkd modules inside functions (move them to the top of '
        'the file, or list them with the reason in '
        'FUNCTION_LEVEL_IMPORTS):\n' + '\n'.join(found))


def test_every_subpackage_has_a_layer():
    for entry in os.listdir(osp.join(REPO, 'mmkd')):
        if entry.startswith(('_', '.')) or entry == 'py.typed':
            continue
        module = 'mmkd.' + entry.replace('.py', '')
        assert layer_of(module) is not None, f'{module} has no layer'


def _tree(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(tmp_path)


def test_a_planted_upward_import_is_found(tmp_path):
    root = _tree(
        tmp_path, {
            'mmkd/__init__.py': '',
            'mmkd/utils/__init__.py': '',
            'mmkd/utils/cli.py': '''
                def main():
                    from mmkd.engine.hooks import FiniteLossHook
                ''',
            'mmkd/models/__init__.py': 'from ..apis import Distiller\n',
            'mmkd/engine/__init__.py': '',
            'mmkd/engine/hooks.py': 'from mmkd.utils import cli\n',
            'mmkd/apis/__init__.py': '',
        })
    problems = layer_violations(root)
    assert problems == [
        'mmkd.models:1 imports mmkd.apis (mmkd.models -> mmkd.apis)',
        'mmkd.utils.cli:3 imports mmkd.engine.hooks (mmkd.utils -> '
        'mmkd.engine)',
    ]
    assert import_cycles(root) == [['mmkd.engine.hooks', 'mmkd.utils.cli']]


@pytest.mark.parametrize('fix', ['none', 'removed'])
def test_a_planted_circle_inside_a_layer_is_found(tmp_path, fix):
    back = '' if fix == 'removed' else 'from . import a\n'
    root = _tree(
        tmp_path, {
            'mmkd/__init__.py': '',
            'mmkd/models/__init__.py': 'from . import a, b\n',
            'mmkd/models/a.py': 'from .b import f\n',
            'mmkd/models/b.py': back + 'def f():\n    pass\n',
        })
    expected = [] if fix == 'removed' else [['mmkd.models.a', 'mmkd.models.b']]
    assert import_cycles(root) == expected
    assert layer_violations(root) == []
