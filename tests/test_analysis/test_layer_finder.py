"""mmkd.analysis (the layer finder's package) on small networks: stages
without the stem, heads that never run marked in the graph."""
import torch
from torch import nn

from mmkd.analysis.graph import NOT_RUN, _fit, _graph_boxes
from mmkd.analysis.recording import run_model
from mmkd.analysis.suggest import candidates


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


def test_loss_channel_arguments_use_the_one_vocabulary():
    from mmkd.analysis.suggest import Feature, Suggestion, loss_init_args

    class Mapping:  # student -> teacher, deprecated spelling still taken

        def __init__(self,
                     in_channels=None,
                     mid_channels=None,
                     out_channels=None,
                     inC=None,
                     init_pred_var=5.0):
            pass

    class OneWidth:

        def __init__(self, in_channels, tau=1.0):
            pass

    pair = Suggestion(
        Feature('layer1', 'stage', (2, 16, 8, 8), 4),
        Feature('layer1', 'stage', (2, 64, 8, 8), 4), None)
    assert loss_init_args(Mapping, pair) == dict(
        in_channels=16, mid_channels=64, out_channels=64)
    assert loss_init_args(OneWidth, pair) == dict(in_channels=64)
