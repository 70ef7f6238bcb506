"""Lets MMEngine resolve ``mmkd::`` config paths without importing mmkd.

MMEngine 0.10.7 resolves ``_base_ = 'pkg::path/to/config.py'`` only for the
packages in its hard-coded table ``mmengine.config.utils.MODULE2PACKAGE``
(mmdet, mmseg, ...) and refuses every other one ("mmengine does not support
to load mmkd config"). It does so while parsing the config, before the
config's ``custom_imports`` could import mmkd, so registering the scope at
``import mmkd`` would not help mmdet's or mmseg's own tools.

An installed mmkd therefore puts ``mmkd_config_scope.pth`` next to itself in
site-packages. Python runs its one line at start-up, which calls
:func:`install`: it imports nothing, it only puts a finder in front of
``sys.meta_path`` that adds ``'mmkd'`` to that table right after MMEngine
imports ``mmengine.config.utils``, then steps aside (the pattern of
setuptools' ``distutils-precedence.pth``). A source checkout that is not
installed gets the same from ``mmkd.utils.register_config_scope()``, which
mmkd's tools call.

Upstream: open-mmlab/mmengine#1410 (PR #1411, not merged) would resolve any
installed package; this file can go once MMEngine does that.
"""
import sys

SCOPE = 'mmkd'
# What MMEngine calls the scope's "package": it takes a distribution's
# site-packages/<name> as the package folder, which an editable install does
# not have; for a module that is no distribution it falls back to the folder
# of importlib's find_spec(), right for every kind of install (it imports
# mmkd/__init__.py, which imports nothing).
PACKAGE = 'mmkd.version'
TARGET = 'mmengine.config.utils'


def register(module) -> None:
    """Add mmkd to ``module.MODULE2PACKAGE`` (``mmengine.config.utils``)."""
    module.MODULE2PACKAGE.setdefault(SCOPE, PACKAGE)


class ScopeFinder:
    """Finds nothing itself: wraps the loader other finders give for
    ``mmengine.config.utils`` so that :func:`register` runs after it."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname != TARGET:
            return None
        for finder in sys.meta_path:
            if finder is cls or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, 'exec_module', None)
        if exec_module is None:
            return spec

        def exec_and_register(module):
            exec_module(module)
            register(module)
            if cls in sys.meta_path:
                sys.meta_path.remove(cls)

        loader.exec_module = exec_and_register  # this module's loader only
        return spec


def install() -> None:
    """Register the scope now if MMEngine's config utils are imported,
    otherwise as soon as they are."""
    module = sys.modules.get(TARGET)
    if module is not None:
        register(module)
    elif ScopeFinder not in sys.meta_path:
        sys.meta_path.insert(0, ScopeFinder)
