import importlib.util
import os
import subprocess
import sys
import types

import pytest

from mmkd.utils import DependencyError, check_task_dependencies, dependency

REPO = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def fresh_checks():
    """Successes are cached per process; each test starts without."""
    dependency._check_task_once.cache_clear()
    yield
    dependency._check_task_once.cache_clear()


def _hide(monkeypatch, *names):
    """Make ``find_spec`` report the given modules as not installed."""
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name in names:
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(dependency.importlib.util, 'find_spec', find_spec)


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg'])
def test_installed_stack_is_supported(scope):
    check_task_dependencies(scope)


def test_other_scopes_need_only_the_core(monkeypatch):
    _hide(monkeypatch, 'mmcv', 'mmdet', 'mmseg')
    for scope in ('mmkd', 'mmengine', 'mmpretrain'):
        check_task_dependencies(scope)


@pytest.mark.parametrize('name,version,minimum,maximum', [
    ('mmcv', '2.2.0', '2.1.0', '2.2.0'),
    ('mmengine', '0.9.0', '0.10.7', '1.0.0'),
    ('torch', '2.0.1', '2.1.0', None),
    ('mmseg', '1.0.0', '1.2.2', '1.3.0'),
])
def test_unsupported_versions_say_how_to_fix(name, version, minimum, maximum):
    fake = types.SimpleNamespace(__version__=version)
    with pytest.raises(DependencyError) as info:
        dependency.check_version(name, fake, minimum, maximum)
    message = str(info.value)
    assert f'{name} {version} is installed' in message
    assert 'pip install' in message
    if name == 'mmseg':
        assert "pip install 'mmsegmentation>=1.2.2,<1.3.0'" in message


def test_supported_version_passes():
    fake = types.SimpleNamespace(__version__='2.1.0+cpu')
    dependency.check_version('mmcv', fake, '2.1.0', '2.2.0')


def test_mmcv_without_ops_explains_the_fix(monkeypatch):
    _hide(monkeypatch, 'mmcv._ext')
    with pytest.raises(DependencyError) as info:
        check_task_dependencies('mmdet')
    message = str(info.value)
    assert 'without its compiled ops' in message
    assert 'MMCV_WITH_OPS=1 pip install --no-build-isolation mmcv==2.1.0' \
        in message


@pytest.mark.parametrize('scope,hidden,extra', [
    ('mmdet', ('mmdet', ), 'det'),
    ('mmseg', ('ftfy', ), 'seg'),
    ('mmseg', ('mmcv', 'mmseg'), 'seg'),
])
def test_missing_task_packages_name_the_extra(monkeypatch, scope, hidden,
                                              extra):
    _hide(monkeypatch, *hidden)
    with pytest.raises(DependencyError) as info:
        check_task_dependencies(scope)
    message = str(info.value)
    assert ', '.join(hidden) in message
    assert f"pip install 'mmkd[{extra}]'" in message
    assert ('MMCV_WITH_OPS=1' in message) == ('mmcv' in hidden)


def test_a_success_is_remembered(monkeypatch):
    check_task_dependencies('mmdet')
    _hide(monkeypatch, 'mmdet')
    check_task_dependencies('mmdet')  # cached: no new lookup


def test_registry_checks_before_building_in_a_task_scope(monkeypatch):
    from mmengine.registry import DefaultScope

    import mmkd.registry
    scopes = []
    monkeypatch.setattr(mmkd.registry, 'check_task_dependencies',
                        scopes.append)
    registry = mmkd.registry.MODELS
    with registry.switch_scope_and_registry('mmdet'):
        pass
    registry.get('mmseg.EncoderDecoder')
    with DefaultScope.overwrite_default_scope('mmdet'):
        with registry.switch_scope_and_registry(None):
            pass
    assert scopes[:3] == ['mmdet', 'mmseg', 'mmdet']


def test_registry_reports_the_fix_instead_of_an_import_error(monkeypatch):
    from mmkd.registry import MODELS
    _hide(monkeypatch, 'mmcv._ext')
    with pytest.raises(DependencyError, match='compiled ops'):
        MODELS.build(dict(type='RetinaNet', _scope_='mmdet'))


def test_import_mmkd_needs_no_mmcv(tmp_path):
    """mmcv (and mmdet, mmseg) shadowed by broken modules: the core still
    imports and builds a CIFAR model."""
    for name in ('mmcv', 'mmdet', 'mmseg'):
        (tmp_path / f'{name}.py'
         ).write_text(f'raise ImportError("{name} must not be imported")\n')
    code = ('import mmkd, mmkd.models, mmkd.utils\n'
            'from mmkd import Distiller\n'
            'from mmkd.registry import MODELS\n'
            "MODELS.build(dict(type='resnet20', num_classes=10))\n")
    proc = subprocess.run([sys.executable, '-c', code],
                          cwd=str(tmp_path),
                          env=dict(
                              os.environ,
                              PYTHONPATH=os.pathsep.join([str(tmp_path),
                                                          REPO])),
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
