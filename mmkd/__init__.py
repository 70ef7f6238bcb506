"""mmkd: knowledge distillation for PyTorch, the OpenMMLab way."""
from .utils.dependency import check_dependencies
from .version import __version__, version_info

check_dependencies()

# mmengine 0.10.7 loads checkpoints with a bare torch.load, which torch >= 2.6
# refuses for its own checkpoints; route loading through mmkd's allow-list.
from .utils.checkpoint import install_safe_checkpoint_loader  # noqa: E402

install_safe_checkpoint_loader()



def __getattr__(name):
    # mmkd.Distiller without importing all models on `import mmkd`
    if name == 'Distiller':
        from .apis import Distiller
        return Distiller
    raise AttributeError(f'module "mmkd" has no attribute "{name}"')


__all__ = ['__version__', 'version_info', 'Distiller']
