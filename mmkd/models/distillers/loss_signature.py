"""What a distill loss takes, read from its class without building it."""
import inspect
from typing import Any, List, Tuple, Type, Union

import torch.nn as nn

from mmkd.registry import MODELS
from .. import losses  # noqa: F401  the losses are registered


def known_loss_names() -> List[str]:
    """Registered names that look like distillation losses."""
    return sorted(name for name, cls in MODELS.module_dict.items()
                  if cls.__module__.startswith('mmkd.models.losses')
                  or 'loss' in name.lower())


def loss_class(name: str, cfg: Union[dict, nn.Module]) -> Type[nn.Module]:
    """The class a loss config builds (or a built loss's class).

    Raises:
        TypeError: ``cfg`` is neither a module nor a dict with a type.
        KeyError: The type is not registered; the message lists the known
            losses.
    """
    if isinstance(cfg, nn.Module):
        return type(cfg)
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'Distill loss {name!r} must be a dict with a "type", '
                        f'got {cfg!r}.')
    loss_type = cfg['type']
    if inspect.isclass(loss_type):
        return loss_type
    cls = MODELS.get(loss_type) if isinstance(loss_type, str) else None
    if cls is None:
        raise KeyError(
            f'Unknown distill loss type {loss_type!r} (loss {name!r}). Known '
            f'losses: {", ".join(known_loss_names())}. A custom loss must be '
            'registered with @mmkd.registry.MODELS.register_module() and its '
            'module imported (e.g. custom_imports in the config).')
    return cls


def build_loss(name: str, cfg: Union[dict, nn.Module]) -> nn.Module:
    """Build a loss config (checked by :func:`loss_class` first)."""
    loss_class(name, cfg)
    return cfg if isinstance(cfg, nn.Module) else MODELS.build(cfg)


def forward_params(loss: Any) -> Tuple[List[str], List[str], bool]:
    """Argument names of a loss class's (or instance's) ``forward``, the
    required ones, and whether it takes ``**kwargs``."""
    forward = loss.forward
    params = list(inspect.signature(forward).parameters.values())
    if inspect.isclass(loss):
        params = params[1:]  # self
    named = [
        p for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return ([p.name
             for p in named], [p.name for p in named if p.default is p.empty],
            any(p.kind == p.VAR_KEYWORD for p in params))


def accepts_init_arg(cls: Type[nn.Module], arg: str) -> bool:
    """Whether ``cls(**{arg: ...})`` is allowed by its signature."""
    if cls.__init__ is nn.Module.__init__:
        return False  # its (*args, **kwargs) takes no arguments really
    params = inspect.signature(cls.__init__).parameters.values()
    return any(p.name == arg or p.kind == p.VAR_KEYWORD for p in params)


def declared_ground_truth(loss: Any) -> dict:
    """``{argument: data sample field}`` a loss class declares it takes
    from the batch (``data_sample_inputs``)."""
    return dict(getattr(loss, 'data_sample_inputs', None) or {})
