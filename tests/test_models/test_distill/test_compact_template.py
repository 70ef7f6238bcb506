"""The compact form with one loss config for every layer pair, one weight
for every loss, one connector config for every student layer, and the
layers' channels filling what the losses declare (``pairing``) and the
connectors' in/out channels: the same explicit form and the same built
distiller as the list written out by hand."""
import pytest
import torch
from mmengine.registry import init_default_scope

from mmkd.models.distillers import compact_to_explicit, explicit_form
from mmkd.models.losses import BaseDistillLoss, Pairing
from mmkd.registry import MODELS

LAYERS = ['layer1', 'layer2', 'layer3']
CHANNELS = [16, 32, 64]


def _vid(c_s, c_t):
    return dict(
        type='VIDLoss',
        init_pred_var=5.0,
        in_channels=c_s,
        mid_channels=c_t,
        out_channels=c_t)


def test_one_loss_config_for_every_pair_is_the_list_written_out():
    template = compact_to_explicit(
        LAYERS,
        LAYERS,
        dict(type='VIDLoss', init_pred_var=5.0),
        weights=2.0,
        student_channels=[8, 16, 32],
        teacher_channels=CHANNELS)
    by_hand = compact_to_explicit(
        LAYERS,
        LAYERS,
        [_vid(8, 16), _vid(16, 32), _vid(32, 64)],
        weights=[2.0, 2.0, 2.0])
    assert template == by_hand
    assert template['distill_losses']['loss_vid_2']['in_channels'] == 32


def test_one_loss_over_all_layers_gets_the_channel_lists():
    cfg = explicit_form(
        dict(
            student_distill_layer=LAYERS + ['avgpool'],
            teacher_distill_layer=LAYERS + ['avgpool'],
            loss=[dict(type='ReviewKDLoss')],
            weights=0.6,
            student_channels=CHANNELS + [64],
            teacher_channels=CHANNELS + [128]))
    loss = cfg['distill_losses']['loss_reviewkd']
    assert loss == dict(
        type='ReviewKDLoss',
        in_channels=[16, 32, 64, 64],
        out_channels=[16, 32, 64, 128],
        loss_weight=0.6)


def test_a_connector_config_for_every_student_layer():
    cfg = explicit_form(
        dict(
            student_distill_layer=['layer3'],
            teacher_distill_layer=['layer3'],
            connectors=dict(type='ConvBNConnector', kernel_size=1),
            loss=dict(type='ICKDLoss'),
            student_channels=[64],
            teacher_channels=[256]))
    assert cfg['connectors'] == dict(
        connector_0=dict(
            type='ConvBNConnector',
            kernel_size=1,
            in_channels=64,
            out_channels=256))
    # ICKD declares no channel argument: the loss config is untouched
    assert cfg['distill_losses']['loss_ickd'] == dict(type='ICKDLoss')


def test_what_the_config_sets_is_kept():
    cfg = explicit_form(
        dict(
            student_distill_layer=['layer1'],
            teacher_distill_layer=['layer1'],
            loss=dict(type='VIDLoss', mid_channels=8),
            student_channels=[16],
            teacher_channels=[32]))
    assert cfg['distill_losses']['loss_vid'] == dict(
        type='VIDLoss', mid_channels=8, in_channels=16, out_channels=32)


@pytest.mark.parametrize('extra, error, message', [
    (dict(student_channels=[16, 32]), ValueError,
     'one channel count per layer pair (3)'),
    (dict(teacher_channels=[16, 32, 0]), TypeError,
     'teacher_channels[2] must be a positive integer'),
    (dict(loss=[dict(type='ATLoss')], student_channels=CHANNELS), ValueError,
     'student_channels and teacher_channels given, but no loss or connector'),
    (dict(weights=[1.0]), ValueError, 'weights has 1 values but loss has 3'),
    (dict(connectors=[dict(type='ConvBNConnector')]), ValueError,
     'connectors must be a config (every student layer) or a list'),
    (dict(student_recorders={}), ValueError, 'Use either the compact form'),
])
def test_clear_errors(extra, error, message):
    cfg = dict(
        student_distill_layer=LAYERS,
        teacher_distill_layer=LAYERS,
        loss=dict(type='VIDLoss'),
        student_channels=CHANNELS,
        teacher_channels=CHANNELS)
    cfg.update(extra)
    with pytest.raises(error) as err:
        explicit_form(cfg)
    assert message in str(err.value)


class ProjectedL1Loss(BaseDistillLoss):
    """A user's loss: a learned projection of the student's channels to
    the teacher's, then L1. It declares which arguments take which
    channels."""

    pairing = Pairing('feature maps of the same size', ('stages', ), 'size',
                      ('student_width', ), ('teacher_width', ))

    def __init__(self, student_width, teacher_width, loss_weight=1.0):
        super().__init__(loss_weight)
        self.proj = torch.nn.Conv2d(student_width, teacher_width, 1)

    def forward(self, student, teacher):
        return self.loss_weight * (self.proj(student) - teacher).abs().mean()


@pytest.fixture
def custom_loss():
    MODELS.register_module(module=ProjectedL1Loss)
    yield 'ProjectedL1Loss'
    MODELS.module_dict.pop('ProjectedL1Loss')


def test_a_custom_loss_gets_the_channels_it_declares(custom_loss):
    init_default_scope('mmkd')
    template = MODELS.build(
        dict(
            type='ConfigurableDistiller',
            student_distill_layer=LAYERS,
            teacher_distill_layer=LAYERS,
            loss=dict(type=custom_loss),
            weights=0.5,
            student_channels=[8, 16, 32],
            teacher_channels=CHANNELS))
    by_hand = MODELS.build(
        dict(
            type='ConfigurableDistiller',
            student_distill_layer=LAYERS,
            teacher_distill_layer=LAYERS,
            loss=[
                dict(type=custom_loss, student_width=s, teacher_width=t)
                for s, t in zip([8, 16, 32], CHANNELS)
            ],
            weights=[0.5] * 3))
    shapes = {k: v.shape for k, v in template.state_dict().items()}
    assert shapes == {k: v.shape for k, v in by_hand.state_dict().items()}
    assert shapes['distill_losses.loss_projectedl1_2.proj.weight'] == (64, 32,
                                                                       1, 1)
    assert all(loss.loss_weight == 0.5
               for loss in template.distill_losses.values())


PAIRS = [
    dict(student=name, teacher=name, channels=c)
    for name, c in zip(LAYERS, CHANNELS)
]


def test_layer_pairs_are_the_four_lists():
    lists = explicit_form(
        dict(
            student_distill_layer=LAYERS,
            teacher_distill_layer=LAYERS,
            student_channels=CHANNELS,
            teacher_channels=CHANNELS,
            loss=dict(type='VIDLoss'),
            weights=1.0))
    assert explicit_form(
        dict(layer_pairs=PAIRS, loss=dict(type='VIDLoss'),
             weights=1.0)) == lists
    # other channels per side; a recorder config as a layer
    preact = dict(
        type='ModuleInputs', source='layer1.2.relu', record_idx=1, data_idx=0)
    cfg = explicit_form(
        dict(
            layer_pairs=[
                dict(
                    student=preact,
                    teacher='layer1',
                    student_channels=8,
                    teacher_channels=16)
            ],
            loss=dict(type='VIDLoss')))
    assert cfg['distill_losses']['loss_vid'] == dict(
        type='VIDLoss', in_channels=8, mid_channels=16, out_channels=16)
    assert cfg['student_recorders'] == {
        'ModuleInputs:layer1.2.relu':
        dict(type='ModuleInputs', source='layer1.2.relu')
    }


def test_layer_pairs_describe_channels_a_loss_may_not_need():
    # ATLoss takes no channels: the layers' channels are not an error
    cfg = explicit_form(dict(layer_pairs=PAIRS, loss=[dict(type='ATLoss')]))
    assert cfg['distill_losses'] == dict(loss_at=dict(type='ATLoss'))


@pytest.mark.parametrize('extra, message', [
    (dict(student_distill_layer=LAYERS), 'one too many'),
    (dict(layer_pairs=[dict(student='layer1')]), 'layer_pairs[0] must be'),
    (dict(layer_pairs=[dict(student='a', teacher='a', channels=1, width=2)]),
     'layer_pairs[0] must be'),
    (dict(layer_pairs=PAIRS[:2] + [dict(student='a', teacher='a')]),
     'give the student channels of every pair or of none'),
])
def test_layer_pairs_errors(extra, message):
    cfg = dict(layer_pairs=PAIRS, loss=dict(type='VIDLoss'))
    cfg.update(extra)
    with pytest.raises(ValueError) as err:
        explicit_form(cfg)
    assert message in str(err.value)


def test_a_list_style_override_of_a_template_is_named():
    """``--cfg-options model.distiller.loss.0.tau=2`` on a config whose loss
    is one config for every pair adds a key '0' to it: named, not passed
    on to the loss as an unknown argument."""
    loss = dict(type='VIDLoss', init_pred_var=5.0)
    loss['0'] = dict(init_pred_var=2.0)
    with pytest.raises(ValueError, match=r"loss is one config .* key '0'"):
        compact_to_explicit(
            LAYERS,
            LAYERS,
            loss,
            student_channels=CHANNELS,
            teacher_channels=CHANNELS)
