"""One optimizer wrapper per top-level module, for algorithms whose
``train_step`` updates parts of the model separately (DAFL's generator and
student)."""
from typing import Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from mmkd.models.recorders import unwrap_model
from mmkd.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class PerModuleOptimWrapperConstructor:
    """Build an :class:`~mmengine.optim.OptimWrapperDict` with one wrapper
    per named child module of the model::

        optim_wrapper = dict(
            constructor='PerModuleOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=0.2)),
            architecture=dict(optimizer=dict(type='Adam', lr=2e-3)))

    Each entry is an ordinary optim wrapper config (``type`` defaults to
    ``OptimWrapper``; ``paramwise_cfg`` is allowed per entry) and is built
    on the child of that name. Every trainable parameter of the model must
    belong to one of them.

    Args:
        optim_wrapper_cfg (dict): ``{child name: optim wrapper config}``.
        paramwise_cfg (dict, optional): Not supported at this level (give
            it per entry).
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg:
            raise ValueError('PerModuleOptimWrapperConstructor: give '
                             'paramwise_cfg inside each module\'s entry.')
        if not optim_wrapper_cfg:
            raise ValueError('PerModuleOptimWrapperConstructor needs one '
                             'optim wrapper config per module.')
        self.optim_wrapper_cfg = optim_wrapper_cfg

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = unwrap_model(model)
        wrappers, covered = {}, set()
        for name, cfg in self.optim_wrapper_cfg.items():
            if not isinstance(model._modules.get(name), nn.Module):
                raise KeyError(
                    f'optim_wrapper.{name}: {type(model).__name__} has no '
                    f'module {name!r}; its modules are '
                    f'{sorted(model._modules)}.')
            module = unwrap_model(model._modules[name])
            cfg = dict(cfg)
            cfg.setdefault('type', 'OptimWrapper')
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(
                module)
            covered |= {id(p) for p in module.parameters()}
        missed = [
            n for n, p in model.named_parameters()
            if p.requires_grad and id(p) not in covered
        ]
        if missed:
            raise ValueError(
                f'optim_wrapper covers {sorted(self.optim_wrapper_cfg)} but '
                f'these trainable parameters are in none of them: '
                f'{missed[:5]}' + (' ...' if len(missed) > 5 else ''))
        return OptimWrapperDict(**wrappers)
