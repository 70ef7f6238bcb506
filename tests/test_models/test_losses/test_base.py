"""The loss contract's helpers: one spelling for temperature (``tau``, the
older spellings still accepted), hyper-parameters checked at build time
with the loss and the argument named, read-only ground-truth declarations."""
import pytest
import torch

import mmkd.models.losses as losses
from mmkd.models.losses.base import check_number
from mmkd.registry import MODELS

# type, required arguments, the older spelling of tau, its default
TEMPERATURES = [
    ('KDLoss', {}, 'T', 4.0),
    ('vanilla_kd', {}, 'T', 4.0),
    ('DKDLoss', {}, 'T', 4.0),
    ('LogitStandardKDLoss', {}, 'T', 2.0),
    ('WSLDLoss', {}, 'T', 2.0),
    ('FBKDLoss', dict(in_channels=4), 'temperature', 0.5),
    ('CRDLoss', dict(in_channels=2, out_channels=2, n_data=4), 'nce_t', 0.07),
    ('ChannelWiseDivergence', {}, None, 1.0),
    ('DISTLoss', {}, None, 1.0),
    ('PixelWiseKDLoss', {}, None, 1.0),
]
IDS = [case[0] for case in TEMPERATURES]


def build(loss_type, required, **kwargs):
    return MODELS.build(dict(type=loss_type, **required, **kwargs))


@pytest.mark.parametrize(
    'loss_type, required, old, default', TEMPERATURES, ids=IDS)
def test_tau_is_the_one_spelling_and_the_old_one_still_works(
        loss_type, required, old, default):
    assert build(loss_type, required).tau == default
    assert build(loss_type, required, tau=3.0).tau == 3.0
    if old is None:
        return
    assert build(loss_type, required, **{old: 3.0}).tau == 3.0
    assert build(loss_type, required, tau=3.0, **{old: 3.0}).tau == 3.0
    with pytest.raises(
            ValueError,
            match=rf'tau=2.0 and {old}=3.0 name the '
            'same argument; give one'):
        build(loss_type, required, tau=2.0, **{old: 3.0})


@pytest.mark.parametrize(
    'loss_type, required, old, default', TEMPERATURES, ids=IDS)
def test_bad_temperatures_name_the_loss_and_the_spelling_used(
        loss_type, required, old, default):
    cls = MODELS.get(loss_type).__name__
    for name in ('tau', old) if old else ('tau', ):
        with pytest.raises(
                TypeError,
                match=rf"{cls}: {name} must be a number > 0, got "
                r"'4' \(str\)"):
            build(loss_type, required, **{name: '4'})
        for bad in (0, -1.0, float('inf'), float('nan')):
            with pytest.raises(
                    ValueError, match=rf'{cls}: {name} must be a number > 0'):
                build(loss_type, required, **{name: bad})


@pytest.mark.parametrize('cfg, error, match', [
    (dict(type='ABLoss', margin='1'), TypeError, 'ABLoss: margin must be a '
     'number >= 0'),
    (dict(type='ABLoss', margin=-1), ValueError, 'ABLoss: margin'),
    (dict(type='CCLoss', gamma=0), ValueError, 'CCLoss: gamma must be a '
     'number > 0'),
    (dict(type='CCLoss', p_order=1.5), TypeError, 'CCLoss: p_order must be '
     'an integer >= 0'),
    (dict(type='CRDLoss', in_channels=2, out_channels=2, n_data=4, nce_m=1.0),
     ValueError, r'CRDLoss: nce_m must be a number in \[0, 1\)'),
    (dict(type='DKDLoss', beta='8'), TypeError, 'DKDLoss: beta'),
    (dict(type='IRGLoss', edge=None), TypeError, 'IRGLoss: edge'),
    (dict(type='RKDLoss',
          angle_weight=-50), ValueError, 'RKDLoss: angle_weight'),
    (dict(type='NSTLoss', degree=0), ValueError, 'NSTLoss: degree must be '
     'an integer >= 1'),
    (dict(type='ATLoss', p=0), ValueError, 'ATLoss: p must be'),
    (dict(
        type='VIDLoss',
        in_channels=2,
        mid_channels=2,
        out_channels=2,
        init_pred_var='5'), TypeError, 'VIDLoss: init_pred_var'),
    (dict(type='YoloKDLoss', nc=2.5), TypeError, 'YoloKDLoss: nc must be an '
     'integer'),
    (dict(
        type='MGDConnector', in_channels=2, out_channels=2,
        lambda_mgd='0.5'), TypeError, 'MGDConnector: lambda_mgd'),
    (dict(type='KDLoss', loss_weight='1'), TypeError, 'KDLoss: loss_weight'),
])
def test_bad_hyper_parameters_are_named(cfg, error, match):
    with pytest.raises(error, match=match):
        MODELS.build(cfg)


def test_check_number():
    assert check_number('L', 'k', 3.0, '[1, inf)', integer=True) == 3
    assert isinstance(check_number('L', 'k', 3, '[1, inf)', integer=True), int)
    assert check_number('L', 'm', 0, '[0, 1)') == 0.0
    with pytest.raises(
            TypeError,
            match=r'L: flag must be a number > 0, got '
            r'True \(bool\)'):
        check_number('L', 'flag', True)
    with pytest.raises(ValueError, match=r'L: m must be a number in \(0, 1\]'):
        check_number('L', 'm', 0, '(0, 1]')


def test_declared_ground_truth_is_read_only():
    with pytest.raises(TypeError):
        losses.DKDLoss.data_sample_inputs['gt_labels'] = 'other'
    assert dict(
        losses.CRDLoss.data_sample_inputs) == dict(indices='sample_idx')
    assert dict(losses.KDLoss.data_sample_inputs) == {}


def test_float_temperatures_keep_working_on_tensors():
    s, t = torch.randn(2, 5), torch.randn(2, 5)
    kd = losses.KDLoss(T=4)  # the seed toolkit's config, an int
    assert kd.tau == 4.0 and isinstance(kd.tau, float)
    torch.testing.assert_close(kd(s, t), losses.KDLoss(tau=4.0)(s, t))
