"""mmkd: knowledge distillation for PyTorch, the OpenMMLab way.

``import mmkd`` changes nothing in the process: it needs only torch and
MMEngine, checks nothing and leaves MMEngine's checkpoint loaders alone.
mmkd's tools switch safe checkpoint loading on
(:func:`mmkd.utils.install_safe_checkpoint_loader`); mmdet/mmseg
dependencies are checked when such a model is first built.
"""
from .version import __version__, version_info


def __getattr__(name):
    # mmkd.Distiller without importing all models on `import mmkd`
    if name == 'Distiller':
        from .apis import Distiller
        return Distiller
    raise AttributeError(f'module "mmkd" has no attribute "{name}"')


__all__ = ['__version__', 'version_info', 'Distiller']
