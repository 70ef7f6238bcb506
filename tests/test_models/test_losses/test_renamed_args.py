"""Channel arguments are in_channels / mid_channels / out_channels in every
loss and connector; the old spellings still build the same module, with a
DeprecationWarning naming the new name, and giving both is an error."""
import warnings

import pytest
import torch

import mmkd.models  # noqa: F401  (registers the losses and connectors)
from mmkd.registry import MODELS

CASES = [
    ('VIDLoss', dict(inC=4, midC=6, outC=8),
     dict(in_channels=4, mid_channels=6, out_channels=8)),
    ('CRDLoss', dict(s_dim=6, t_dim=5, n_data=10, feat_dim=4, nce_k=3),
     dict(in_channels=6, out_channels=5, n_data=10, feat_dim=4, nce_k=3)),
    ('ReviewKDLoss', dict(student_channels=[4, 8], teacher_channels=[4, 16]),
     dict(in_channels=[4, 8], out_channels=[4, 16])),
    ('MGDConnector', dict(student_channels=3, teacher_channels=4),
     dict(in_channels=3, out_channels=4)),
]


@pytest.mark.parametrize('name, old, new', CASES, ids=[c[0] for c in CASES])
def test_old_names_build_the_same_module_with_a_warning(name, old, new):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # the new names warn about nothing
        current = MODELS.build(dict(type=name, **new))
    torch.manual_seed(0)
    with pytest.warns(DeprecationWarning) as record:
        legacy = MODELS.build(dict(type=name, **old))
    renamed = {k for k in old if k not in new}
    messages = [str(w.message) for w in record]
    assert len(messages) == len(renamed)
    for key in renamed:
        assert any(
            m.startswith(f'{name}: {key!r} is deprecated, use ')
            for m in messages), messages
    assert legacy.state_dict().keys() == current.state_dict().keys()
    for key, value in current.state_dict().items():
        assert torch.equal(legacy.state_dict()[key], value), key
    for key in new:
        if hasattr(current, key):
            assert getattr(legacy, key) == getattr(current, key)


def test_both_names_is_an_error():
    with pytest.raises(
            TypeError, match="VIDLoss: got both 'inC' and "
            "'in_channels'"):
        MODELS.build(
            dict(
                type='VIDLoss',
                inC=4,
                in_channels=4,
                mid_channels=4,
                out_channels=4))


def test_signature_shows_the_new_names():
    import inspect

    from mmkd.models.losses import VIDLoss
    params = inspect.signature(VIDLoss.__init__).parameters
    assert {'in_channels', 'mid_channels', 'out_channels'} <= set(params)
    assert 'inC' not in params
