"""Every loss exported by mmkd.models.losses keeps the loss contract of
docs/methods.md: registered under its class name, a module docstring that
names its paper or formula, a ``loss_weight`` argument, and
``(student, teacher, ...)`` as the first forward arguments."""
import inspect
import re

import pytest

import mmkd.models.losses as losses
from mmkd.registry import MODELS

NAMES = sorted(losses.__all__)


@pytest.mark.parametrize('name', NAMES)
def test_loss_contract(name):
    cls = getattr(losses, name)
    assert MODELS.get(name) is cls
    module_doc = inspect.getmodule(cls).__doc__ or ''
    assert len(module_doc.split()) >= 8, f'{name}: module docstring'
    # a paper (year) or, for the plain feature losses, the formula
    assert re.search(r'(19|20)\d\d|loss\s*=|\|\|', module_doc), name
    init = inspect.signature(cls.__init__).parameters
    assert 'loss_weight' in init, f'{name} has no loss_weight argument'
    params = list(inspect.signature(cls.forward).parameters)
    assert len(params) >= 3 and params[0] == 'self', (name, params)


def test_every_loss_file_is_exported():
    import pkgutil
    files = {
        m.name
        for m in pkgutil.iter_modules(losses.__path__)
        if m.name != 'utils'
    }
    exported = {inspect.getmodule(getattr(losses, n)).__name__.split('.')[-1]
                for n in NAMES}
    assert files <= exported, f'not exported: {sorted(files - exported)}'
