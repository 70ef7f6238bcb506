"""The init stage of RepDistiller's two-stage methods (AB, FSP, FT)."""
from typing import Sequence

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.registry import OPTIMIZERS

from mmkd.models.recorders import unwrap_model
from mmkd.registry import HOOKS

AFTER = ('distill', 'student_only')


def _matches(name: str, prefixes: Sequence[str]) -> bool:
    return any(name == p or name.startswith(p + '.') for p in prefixes)


@HOOKS.register_module()
class InitStageHook(Hook):
    """Train some modules on the distill losses alone before the main
    training, as RepDistiller's ``helper/pretrain.py`` does for AB, FSP
    and FT (``--init_epochs``, 30).

    For ``epochs`` epochs over the training set, only the parameters of the
    modules named in ``train`` (minus ``exclude``) are optimised, with
    their own optimizer (``optimizer``, no schedule), on the sum of the
    distill losses; the student's own loss is not used, the rest of the
    model stays in eval mode, and losses with a ``set_init_stage`` method
    are told (FT's loss then is the paraphraser's reconstruction). Then,
    with ``after='student_only'`` distillation is switched off for the main
    training (AB, FSP: cross-entropy only); with ``after='distill'`` the
    main training distils as configured (FT, its paraphraser frozen).

    A run resumed after the init stage (iteration > 0) skips it: what it
    trained is in the checkpoint. Under distributed training the gradients
    are averaged over the processes.

    Args:
        epochs (int): Length of the init stage. Defaults to 30.
        train (Sequence[str]): Module names in the algorithm, e.g.
            ``'architecture'`` (the student),
            ``'distiller.distill_losses.loss_ft.paraphraser'``.
            Defaults to ``('architecture', )``.
        exclude (Sequence[str]): Module names left out of ``train``, e.g.
            ``'architecture.linear'``. Defaults to ``()``.
        optimizer (dict): Optimizer config (parameters are added).
            Defaults to ``dict(type='SGD', lr=0.05, momentum=0.9,
            weight_decay=5e-4)``, RepDistiller's.
        after (str): ``'distill'`` or ``'student_only'``. Defaults to
            ``'distill'``.
    """

    priority = 'VERY_LOW'

    def __init__(self,
                 epochs: int = 30,
                 train: Sequence[str] = ('architecture', ),
                 exclude: Sequence[str] = (),
                 optimizer: dict = dict(
                     type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4),
                 after: str = 'distill') -> None:
        if isinstance(epochs, bool) or not isinstance(epochs, int) or \
                epochs < 0:
            raise ValueError(f'InitStageHook: epochs must be an int >= 0, '
                             f'got {epochs!r}.')
        if after not in AFTER:
            raise ValueError(f'InitStageHook: after must be one of {AFTER}, '
                             f'got {after!r}.')
        if isinstance(train, str) or isinstance(exclude, str):
            raise TypeError('InitStageHook: train and exclude are lists of '
                            'module names.')
        self.epochs = epochs
        self.train_modules = tuple(train)
        self.exclude = tuple(exclude)
        self.optimizer_cfg = dict(optimizer)
        self.after = after

    # ------------------------------------------------------------ helpers
    def _parameters(self, model: torch.nn.Module) -> list:
        names = dict(model.named_modules())
        missing = [
            n for n in self.train_modules + self.exclude if n not in names
        ]
        if missing:
            raise KeyError(f'InitStageHook: no module {missing} in '
                           f'{type(model).__name__}.')
        params = [
            p for name, p in model.named_parameters()
            if _matches(name, self.train_modules)
            and not _matches(name, self.exclude)
        ]
        if not params:
            raise ValueError('InitStageHook: the modules to train '
                             f'{list(self.train_modules)} have no '
                             'parameters.')
        return params

    def _stage_modules(self, model: torch.nn.Module) -> list:
        return [
            m for name, m in model.named_modules()
            if _matches(name, self.train_modules)
            and not _matches(name, self.exclude)
        ]

    @staticmethod
    def _tell_losses(model: torch.nn.Module, active: bool) -> None:
        for module in model.modules():
            if hasattr(module, 'set_init_stage'):
                module.set_init_stage(active)

    def _after(self, model) -> None:
        if self.after == 'student_only':
            model.distillation_stopped = True

    # ------------------------------------------------------------ the stage
    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model)
        if not hasattr(model, 'distiller'):
            raise TypeError(f'InitStageHook: {type(model).__name__} is not '
                            'a distillation algorithm.')
        if runner.iter > 0:
            runner.logger.info('Init stage: skipped (resumed at iteration '
                               f'{runner.iter}; its result is in the '
                               'checkpoint).')
            self._after(model)
            return
        if self.epochs:
            self._run(runner, model)
        self._after(model)
        if self.after == 'student_only':
            runner.logger.info('Init stage done; the main training uses '
                               "the student's own loss only.")

    def _run(self, runner, model) -> None:
        params = self._parameters(model)
        chosen = {id(p) for p in params}
        flags = [(p, p.requires_grad) for p in model.parameters()]
        for p in model.parameters():
            p.requires_grad_(id(p) in chosen)
        optimizer = OPTIMIZERS.build(dict(self.optimizer_cfg, params=params))
        loader = runner.train_dataloader
        world_size = get_world_size()
        runner.logger.info(
            f'Init stage: {self.epochs} epochs x {len(loader)} iterations '
            f'on the distill losses, training {list(self.train_modules)}'
            f'{f" except {list(self.exclude)}" if self.exclude else ""} '
            f'({sum(p.numel() for p in params)} parameters) with '
            f'{self.optimizer_cfg}.')
        self._tell_losses(model, True)
        try:
            for epoch in range(self.epochs):
                model.eval()
                for module in self._stage_modules(model):
                    module.train()
                if hasattr(loader.sampler, 'set_epoch'):
                    loader.sampler.set_epoch(epoch)
                total, count = 0.0, 0
                for data_batch in loader:
                    data = model.data_preprocessor(data_batch, True)
                    losses = model(**data, mode='loss')
                    loss = sum(v for k, v in losses.items()
                               if k.startswith('distill.'))
                    optimizer.zero_grad()
                    loss.backward()
                    if world_size > 1:
                        for p in params:
                            if p.grad is not None:
                                all_reduce(p.grad, op='mean')
                    optimizer.step()
                    total += loss.item()
                    count += 1
                runner.logger.info(
                    f'Init stage epoch [{epoch + 1}/{self.epochs}]: '
                    f'distill loss {total / max(count, 1):.4f}')
        finally:
            self._tell_losses(model, False)
            for p, flag in flags:
                p.requires_grad_(flag)
                p.grad = None
            model.train()
