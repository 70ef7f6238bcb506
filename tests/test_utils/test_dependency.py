import importlib.util
import types

import pytest

from mmkd.utils import DependencyError, check_dependencies
from mmkd.utils import dependency


def test_installed_stack_is_supported():
    check_dependencies()


@pytest.mark.parametrize('name,version,minimum,maximum', [
    ('mmcv', '2.2.0', '2.1.0', '2.2.0'),
    ('mmengine', '0.9.0', '0.10.7', '1.0.0'),
    ('torch', '2.0.1', '2.1.0', None),
])
def test_unsupported_versions_say_how_to_fix(name, version, minimum, maximum):
    fake = types.SimpleNamespace(__version__=version)
    with pytest.raises(DependencyError) as info:
        dependency.check_version(name, fake, minimum, maximum)
    message = str(info.value)
    assert f'{name} {version} is installed' in message
    assert 'pip install' in message


def test_supported_version_passes():
    fake = types.SimpleNamespace(__version__='2.1.0+cpu')
    dependency.check_version('mmcv', fake, '2.1.0', '2.2.0')


def test_mmcv_without_ops_explains_the_fix(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def no_ext(name, *args, **kwargs):
        if name == 'mmcv._ext':
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(dependency.importlib.util, 'find_spec', no_ext)
    with pytest.raises(DependencyError) as info:
        check_dependencies()
    message = str(info.value)
    assert 'without its compiled ops' in message
    assert 'MMCV_WITH_OPS=1 pip install --no-build-isolation mmcv==2.1.0' \
        in message
