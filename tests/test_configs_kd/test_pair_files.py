"""A pair config (``configs/kd/<method>/<method>_<teacher>_<student>_...``)
applies its method's distiller, written once in ``<method>_base.py``, to its
pair's layers and channels (``configs/_base_/distill/``): it configures no
component itself and stays a few lines long."""
import ast
import glob
import os.path as osp

import pytest
from kd_config_utils import KD_DIR, REPO, rel

# the longest pair file: OFD's, one loss per stage with its teacher BN and
# weights that follow the pair's number of stages
MAX_CODE_LINES = 10


def pair_files():
    return sorted(
        rel(p) for p in glob.glob(osp.join(KD_DIR, '*', '*.py'))
        if not p.endswith('_base.py'))


def code_nodes(path: str):
    """The statements of a pair file other than its ``_base_``."""
    with open(osp.join(REPO, path)) as f:
        text = f.read()
    tree = ast.parse(text)
    return text, [
        node for node in tree.body
        if not (isinstance(node, ast.Assign) and any(
            getattr(t, 'id', None) == '_base_' for t in node.targets))
    ]


def code_lines(text: str, nodes) -> int:
    lines = text.splitlines()
    return sum(1 for node in nodes
               for line in lines[node.lineno - 1:node.end_lineno]
               if line.strip() and not line.strip().startswith('#'))


def problems(path: str) -> list:
    text, nodes = code_nodes(path)
    found = [
        f'{path}:{node.lineno}: configures {ast.unparse(node.value)} '
        'itself; the method base holds the components (type=...)'
        for statement in nodes for node in ast.walk(statement)
        if isinstance(node, ast.keyword) and node.arg == 'type'
    ]
    n = code_lines(text, nodes)
    if n > MAX_CODE_LINES:
        found.append(f'{path}: {n} code lines besides _base_ (at most '
                     f'{MAX_CODE_LINES})')
    return found


# teacher-cache variant of KD: its own algorithm and pipeline, no pair
# file of a method
NOT_PAIR_FILES = ('configs/kd/cached_kd/cached_kd_resnet56_resnet20.py', )


@pytest.mark.parametrize('path',
                         [p for p in pair_files() if p not in NOT_PAIR_FILES])
def test_pair_file_only_binds_its_method_to_its_pair(path):
    assert problems(path) == []


def test_a_pair_file_that_copies_its_method_is_caught(tmp_path):
    """The way every VID pair file read before: the method's distiller
    rebuilt in each pair file."""
    path = 'configs/kd/vid/vid_resnet56_resnet20_1xb64-240e_cifar100.py'
    copied = tmp_path / 'configs' / 'kd' / 'vid' / osp.basename(path)
    copied.parent.mkdir(parents=True)
    copied.write_text("""_base_ = [
    '../../_base_/distill/cifar100_resnet56_resnet20.py', './vid_base.py'
]

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_distill_layer=_base_.stages,
        teacher_distill_layer=_base_.stages,
        loss=[
            dict(
                _base_.vid.loss, in_channels=c, mid_channels=c, out_channels=c)
            for c in _base_.stage_channels
        ],
        weights=[_base_.vid.weight] * len(_base_.stages)))
""")
    found = problems(str(copied))
    assert "configures 'ConfigurableDistiller' itself" in found[0]
    assert '11 code lines besides _base_' in found[1]
    # and one that grows without configuring anything
    copied.write_text('_base_ = ["./vid_base.py"]\n' +
                      ''.join(f'x{i} = {i}\n'
                              for i in range(MAX_CODE_LINES + 1)))
    assert 'code lines besides _base_' in problems(str(copied))[0]
