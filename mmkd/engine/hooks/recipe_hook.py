"""Say which recipe a run trains, and warn when it is not the declared one."""
import json
import math
import os.path as osp
from typing import Optional

import torch
import torch.nn as nn
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmkd.registry import HOOKS
from mmkd.utils.errors import RecipeMismatchError


def _base_lr(optim_wrapper) -> Optional[float]:
    """The learning rate of the first parameter group before any
    schedule (after ``auto_scale_lr``), or None for several optimizers."""
    optimizer = getattr(optim_wrapper, 'optimizer', None)
    if optimizer is None or not optimizer.param_groups:
        return None
    group = optimizer.param_groups[0]
    return float(group.get('initial_lr', group['lr']))


def effective_recipe(runner) -> dict:
    """What ``runner`` trains: processes, images per process and per
    optimizer step, lr, epochs, iterations, BN statistics."""
    world_size = runner.world_size
    per_process = runner.train_dataloader.batch_size
    accumulate = getattr(runner.optim_wrapper, '_accumulative_counts', 1)
    sync_bn = any(
        isinstance(m, nn.SyncBatchNorm) for m in runner.model.modules())
    return dict(
        world_size=world_size,
        batch_size_per_process=per_process,
        accumulative_counts=accumulate,
        total_batch_size=world_size * per_process * accumulate,
        lr=_base_lr(runner.optim_wrapper),
        max_epochs=runner.max_epochs,
        iters_per_epoch=len(runner.train_dataloader),
        max_iters=runner.max_iters,
        sync_bn=sync_bn,
        bn_batch_size=world_size * per_process if sync_bn else per_process)


def describe(recipe: dict) -> str:
    """One line for the log."""
    steps = (f'{recipe["world_size"]} process'
             f'{"es" if recipe["world_size"] > 1 else ""} x '
             f'{recipe["batch_size_per_process"]} images')
    if recipe['accumulative_counts'] > 1:
        steps += f' x {recipe["accumulative_counts"]} accumulated'
    lr = 'several optimizers' if recipe['lr'] is None else \
        f'lr {recipe["lr"]:g}'
    bn = f'BN statistics over {recipe["bn_batch_size"]} images' + (
        ' (SyncBN)' if recipe['sync_bn'] else '')
    return (f'{steps} = {recipe["total_batch_size"]} images per step, {lr}, '
            f'{_plural(recipe["max_epochs"], "epoch")} x '
            f'{_plural(recipe["iters_per_epoch"], "iteration")} = '
            f'{_plural(recipe["max_iters"], "iteration")}, {bn}')


def differences(recipe: dict, declared: dict) -> list:
    """How ``recipe`` differs from the config's declared ``recipe``."""
    found = []
    total = declared.get('total_batch_size')
    if total is not None and recipe['total_batch_size'] != total:
        found.append(f'{recipe["total_batch_size"]} images per step '
                     f'(declared {total})')
    lr = declared.get('lr')
    if lr is not None and recipe['lr'] is not None and not math.isclose(
            recipe['lr'], lr, rel_tol=1e-9):
        found.append(f'lr {recipe["lr"]:g} (declared {lr:g})')
    epochs = declared.get('max_epochs')
    if epochs is not None and recipe['max_epochs'] != epochs:
        found.append(f'{_plural(recipe["max_epochs"], "epoch")} (declared '
                     f'{epochs})')
    if total is not None and recipe['bn_batch_size'] < total and \
            recipe['world_size'] > 1:
        found.append(f'BN statistics over {recipe["bn_batch_size"]} images '
                     f'per process (declared batch {total}; SyncBN is off)')
    return found


def _plural(count: int, word: str) -> str:
    return f'{count} {word}' + ('' if count == 1 else 's')


def cpu_advice(config: str) -> str:
    """What a machine without CUDA can do about per-process BN."""
    return (' Without CUDA, processes cannot share BN statistics (PyTorch\'s '
            'SyncBN needs CUDA): train the declared recipe in one process '
            f'(python tools/train.py {config}: the same total batch and lr), '
            'or keep several processes with per-process BN statistics.')


MISMATCH_MODES = ('error', 'warn')


@HOOKS.register_module()
class RecipeHook(Hook):
    """Log the recipe the run trains before the first iteration, and warn
    where it differs from the config's declared ``recipe``.

    A difference stops the run before the first iteration
    (:class:`RecipeMismatchError`): its numbers would be read against a
    recipe it does not train. ``recipe.mismatch='warn'`` (e.g.
    ``--cfg-options recipe.mismatch=warn`` for a shorter run on purpose)
    trains anyway with a warning.

    Effective: world size x images per process (x accumulation) = images
    per optimizer step, the lr after ``auto_scale_lr``, epochs, iterations
    and the batch BN statistics come from. Declared: the config's
    ``recipe = dict(total_batch_size=..., lr=..., max_epochs=...)`` (the
    setting behind its published numbers; see
    :func:`~mmkd.engine.hooks.apply_total_batch_size`). The effective
    recipe is also written to ``<log_dir>/effective_recipe.json``.
    """

    # before the hooks that spend time before training (the teacher's
    # evaluation, init stages); the state it reads is ready by then
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        recipe = effective_recipe(runner)
        declared = dict(runner.cfg.get('recipe') or {})
        mismatch = declared.get('mismatch', 'error')
        if mismatch not in MISMATCH_MODES:
            raise RecipeMismatchError(
                f'recipe.mismatch must be one of {MISMATCH_MODES}, got '
                f'{mismatch!r}.')
        runner.message_hub.update_info('effective_recipe', recipe)
        runner.logger.info(f'Effective recipe: {describe(recipe)}')
        found = differences(recipe, declared)
        if found:
            advice = ''
            if recipe['total_batch_size'] != declared.get(
                    'total_batch_size', recipe['total_batch_size']):
                advice = (' The training tool keeps the declared total '
                          'when it divides recipe.total_batch_size over the '
                          'processes (mmkd.engine.hooks.'
                          'apply_total_batch_size).')
            elif not recipe['sync_bn'] and recipe['world_size'] > 1:
                advice = cpu_advice(
                    getattr(runner.cfg, 'filename', None) or 'CONFIG') \
                    if not torch.cuda.is_available() \
                    else ' (SyncBN is off: set sync_bn=\'torch\'.)'
            message = ('The effective recipe differs from the recipe this '
                       'config declares (the setting behind its published '
                       'numbers): ' + '; '.join(found) + '.' + advice)
            if mismatch == 'error':
                raise RecipeMismatchError(
                    message + ' To train this setting on purpose, add '
                    '--cfg-options recipe.mismatch=warn.')
            runner.logger.warning(message)
        elif declared:
            runner.logger.info('Effective recipe = the declared recipe '
                               f'({declared.get("source", "config")}).')
        if is_main_process():
            with open(osp.join(runner.log_dir, 'effective_recipe.json'),
                      'w') as f:
                json.dump(
                    dict(effective=recipe, declared=declared), f, indent=2)
