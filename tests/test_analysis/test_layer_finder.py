"""mmkd.analysis (the layer finder's package) on small networks: stages
without the stem, heads that never run marked in the graph."""
import argparse
import ast
import glob
import os.path as osp

import pytest
import torch
from torch import nn

from mmkd.analysis import find_layers
from mmkd.analysis.graph import NOT_RUN, _fit, _graph_boxes
from mmkd.analysis.recording import run_model
from mmkd.analysis.suggest import candidates
from mmkd.registry import MODELS


class ImageNetStyle(nn.Module):
    """A stride-2 stem of single layers, two stages of blocks and a head
    the 'tensor' forward never calls."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(2)
        self.layer1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        self.layer2 = nn.Sequential(
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.aux_head = nn.Conv2d(8, 4, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = self.maxpool(self.relu(self.bn1(self.conv1(inputs))))
        return self.layer2(self.layer1(x))


def test_stem_outputs_are_not_stages_and_unrun_heads_are_marked():
    run = run_model(ImageNetStyle().eval(), 'student',
                    torch.randn(2, 3, 32, 32), None)
    stages = candidates(run).stages
    # relu (stride 2) and maxpool (stride 4) are the stem
    assert {s: f.name for s, f in stages.items()} == {4: 'layer1', 8: 'layer2'}
    boxes = {name: label for name, label, _ in _graph_boxes(run, [])}
    assert boxes['aux_head'].endswith(NOT_RUN)
    assert not boxes['layer1'].endswith(NOT_RUN)


def test_long_box_lines_are_shortened_in_the_middle():
    label = 'roi_head.mask_head.convs.0.conv.weight_norm_layer  Conv2d\n(2, 4)'
    first, second = _fit(label, 30).split('\n')
    assert len(first) == 30 and '...' in first
    assert first.startswith('roi_head') and first.endswith('Conv2d')
    assert second == '(2, 4)'


def test_loss_channel_arguments_are_the_ones_the_loss_declares():
    from mmkd.analysis.suggest import Feature, Suggestion, loss_init_args
    from mmkd.models.losses import Pairing

    class Mapping:  # student -> teacher

        pairing = Pairing('maps', ('stages', ), 'size', ('in_channels', ),
                          ('mid_channels', 'out_channels'))

        def __init__(self,
                     in_channels=None,
                     mid_channels=None,
                     out_channels=None,
                     init_pred_var=5.0):
            pass

    class OneWidth:

        pairing = Pairing('maps', ('stages', ), 'shape', (), ('in_channels', ))

        def __init__(self, in_channels, tau=1.0):
            pass

    pair = Suggestion(
        Feature('layer1', 'stage', (2, 16, 8, 8), 4),
        Feature('layer1', 'stage', (2, 64, 8, 8), 4), None)
    assert loss_init_args(Mapping, pair) == dict(
        in_channels=16, mid_channels=64, out_channels=64)
    assert loss_init_args(OneWidth, pair) == dict(in_channels=64)


def _finder_args(loss):
    return argparse.Namespace(
        config=None,
        student='configs/baselines/resnet20_cifar100.py',
        teacher='configs/baselines/resnet32x4_cifar100.py',
        loss=loss,
        cfg_options=None,
        depth=1,
        out_graph=None,
        batch_size=2,
        random_input=(32, 32))


@pytest.fixture
def custom_losses():
    """Two custom losses registered for one test: one declares what it
    pairs (the embedding; its ``dim`` takes the teacher's width), one
    declares nothing."""
    from mmkd.models.losses import Pairing

    class DeclaredEmbeddingLoss(nn.Module):
        pairing = Pairing('embeddings', ('embedding', ), 'none', (), ('dim', ))

        def __init__(self, dim, loss_weight=1.0):
            super().__init__()

        def forward(self, student, teacher):
            return (student.sum() - teacher.sum())**2

    class UndeclaredLoss(DeclaredEmbeddingLoss):
        pairing = None

    names = ('DeclaredEmbeddingLoss', 'UndeclaredLoss')
    for cls in (DeclaredEmbeddingLoss, UndeclaredLoss):
        MODELS.register_module(module=cls)
    yield names
    for name in names:
        MODELS.module_dict.pop(name)


def test_a_custom_loss_that_declares_its_pairing_gets_pairs(
        custom_losses, capsys):
    find_layers(_finder_args('DeclaredEmbeddingLoss'))
    out = capsys.readouterr().out
    assert 'Suggested pairs for DeclaredEmbeddingLoss: embeddings' in out
    # only the embedding (linear's input: resnet20 64-d, resnet32x4 256-d)
    suggested = out.split('Suggested pairs', 1)[1].split('Config snippet')[0]
    assert 'student linear (input) (2, 64)  <->  teacher linear (input) ' \
        '(2, 256)' in suggested
    assert 'layer1' not in suggested
    # its declared channel argument gets the teacher's width
    assert "loss=[dict(type='DeclaredEmbeddingLoss', dim=256)]" in out


def test_a_loss_that_declares_nothing_is_told_what_to_declare(custom_losses):
    with pytest.raises(TypeError) as err:
        find_layers(_finder_args('UndeclaredLoss'))
    message = str(err.value)
    assert 'UndeclaredLoss declares no pairing' in message
    assert 'pairing = mmkd.models.losses.Pairing(' in message
    assert 'docs/layer_finder.md' in message


def _code_strings(path):
    """String constants of a module that are not docstrings."""
    tree = ast.parse(open(path).read())
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree) if isinstance(node, ast.Constant)
        and isinstance(node.value, str) and id(node) not in docs
    }


def test_the_layer_finder_keeps_no_table_of_losses():
    """What a loss pairs is read from the loss (its ``pairing``): no module
    of mmkd.analysis names a loss."""
    import mmkd.analysis
    from mmkd.models.losses.base import FIXES
    losses = {
        name
        for name, cls in MODELS.module_dict.items()
        if cls.__module__.startswith('mmkd.models.losses')
    } - set(FIXES)  # 'mgd' is a fix as well as MGDLoss's alias
    folder = osp.dirname(mmkd.analysis.__file__)
    named = {
        osp.basename(path): sorted(_code_strings(path) & losses)
        for path in glob.glob(osp.join(folder, '*.py'))
    }
    assert not any(named.values()), named
