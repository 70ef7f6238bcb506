"""Every registered loss keeps the loss contract of docs/methods.md: a
:class:`BaseDistillLoss` registered under its class name and exported from
``mmkd.models.losses``, a module docstring that names its paper or formula,
a ``loss_weight`` argument, ``(student, teacher, ...)`` as the first
forward arguments, and a declared ``pairing`` (what it compares, for the
layer finder and the compact form's channel filling)."""
import inspect
import re
from types import MappingProxyType

import pytest

import mmkd.models.losses as losses
from mmkd.models.losses import BaseDistillLoss, Pairing
from mmkd.registry import MODELS

# exported from mmkd.models.losses, but not losses
HELPERS = {'BaseDistillLoss', 'Pairing', 'declared_pairing', 'upcast'}
# every name a loss is registered under, e.g. 'KDLoss' and 'vanilla_kd'
REGISTERED = {
    name: cls
    for name, cls in MODELS.module_dict.items()
    if cls.__module__.startswith('mmkd.models.losses.')
}
LOSS_CLASSES = sorted(set(REGISTERED.values()), key=lambda c: c.__name__)


@pytest.mark.parametrize('name', sorted(REGISTERED))
def test_loss_contract(name):
    cls = REGISTERED[name]
    assert issubclass(cls, BaseDistillLoss), f'{name}: not a BaseDistillLoss'
    module_doc = inspect.getmodule(cls).__doc__ or ''
    assert len(module_doc.split()) >= 8, f'{name}: module docstring'
    # a paper (year) or, for the plain feature losses, the formula
    assert re.search(r'(19|20)\d\d|loss\s*=|\|\|', module_doc), name
    init = inspect.signature(cls.__init__).parameters
    assert 'loss_weight' in init, f'{name} has no loss_weight argument'
    params = list(inspect.signature(cls.forward).parameters)
    assert len(params) >= 3 and params[0] == 'self', (name, params)
    # declared ground truth is read-only: a class attribute is shared
    assert isinstance(cls.data_sample_inputs, MappingProxyType), name
    # what it pairs, with channel arguments that its __init__ takes
    assert isinstance(cls.pairing, Pairing), f'{name} declares no pairing'
    channels = cls.pairing.student_channels + cls.pairing.teacher_channels
    assert set(channels) <= set(init), (name, channels)


@pytest.mark.parametrize('cls', LOSS_CLASSES, ids=lambda c: c.__name__)
def test_registered_under_its_class_name_and_exported(cls):
    assert MODELS.get(cls.__name__) is cls
    assert getattr(losses, cls.__name__) is cls
    assert cls.__name__ in losses.__all__


def test_every_export_is_a_registered_loss_or_a_helper():
    for name in set(losses.__all__) - HELPERS:
        assert REGISTERED.get(name) is getattr(losses, name), name


def test_fitnet_is_l2_under_the_method_name():
    assert losses.FitNetLoss is losses.L2Loss
    assert REGISTERED['FitNetLoss'] is REGISTERED['fitnet'] is losses.L2Loss


def test_every_loss_file_is_exported():
    import pkgutil
    files = {
        m.name
        for m in pkgutil.iter_modules(losses.__path__)
        # helpers, not losses: utils, the loss contract, CRD's memory banks
        if m.name not in ('utils', 'base', 'crd_memory')
    }
    exported = {cls.__module__.split('.')[-1] for cls in LOSS_CLASSES}
    assert files <= exported, f'not exported: {sorted(files - exported)}'
