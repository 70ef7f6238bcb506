"""Keep a config's declared total batch whatever the number of processes.

A published CIFAR recipe is "64 images per optimizer step at lr 0.05",
trained on one GPU. MMEngine's ``train_dataloader.batch_size`` is per
process, so ``dist_train.sh CONFIG 8`` would train 8 x 64 = 512 images per
step with 1/8 of the steps: another recipe. A config that declares

.. code-block:: python

    recipe = dict(total_batch_size=64, lr=0.05, max_epochs=240)

gets ``train_dataloader.batch_size = total_batch_size // world_size`` from
:func:`apply_total_batch_size`, called by the training tool before the
runner is built, and SyncBN across the GPUs, so that BN statistics too are
those of the total batch (MMEngine converts only when distributed; PyTorch's
SyncBN needs CUDA, so on CPU processes the statistics stay per process and
``RecipeHook`` says so).
``RecipeHook`` then prints the effective recipe and stops the run where it
differs from the declared one (``recipe.mismatch='warn'``: a warning).
"""
import os
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

_WORLD_SIZE_VARIABLES = ('WORLD_SIZE', 'SLURM_NTASKS', 'OMPI_COMM_WORLD_SIZE')


def launch_world_size(cfg: Config) -> int:
    """Number of processes the run will have: the started process group's
    size, else what the launcher put in the environment (torchrun's
    ``WORLD_SIZE``, slurm's ``SLURM_NTASKS``, MPI's), else 1."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        return torch_dist.get_world_size()
    if cfg.get('launcher', 'none') in (None, 'none'):
        return 1
    for name in _WORLD_SIZE_VARIABLES:
        if os.environ.get(name):
            return int(os.environ[name])
    return 1


def apply_total_batch_size(cfg: Config,
                           world_size: Optional[int] = None) -> Config:
    """Divide the config's declared total batch over the processes.

    Does nothing unless the config has ``recipe.total_batch_size`` and its
    ``train_dataloader.batch_size`` is that total (the one-process layout
    the config is written in): a batch size set to something else, e.g.
    with ``--cfg-options train_dataloader.batch_size=16``, is the user's
    per-process choice and is kept (``RecipeHook`` then stops the run,
    which trains another recipe, unless ``recipe.mismatch='warn'``).
    Otherwise sets ``train_dataloader.batch_size`` to
    ``total_batch_size // world_size`` and, with several processes on
    GPUs, ``sync_bn='torch'`` (unless the config sets ``sync_bn`` itself or
    ``recipe.sync_bn=False``). Call it on the final config (after
    ``--cfg-options``), before the runner is built.

    Args:
        cfg (Config): The config, changed in place.
        world_size (int, optional): Number of processes. Defaults to None:
            :func:`launch_world_size`.

    Returns:
        Config: ``cfg``.

    Raises:
        ValueError: The total batch does not divide over the processes.
    """
    recipe = cfg.get('recipe') or {}
    total = recipe.get('total_batch_size')
    if total is None:
        return cfg
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise ValueError('recipe.total_batch_size must be a positive int, '
                         f'got {total!r}.')
    if cfg.train_dataloader.get('batch_size') != total:
        return cfg
    world_size = launch_world_size(cfg) if world_size is None else world_size
    if total % world_size:
        raise ValueError(
            f'recipe.total_batch_size={total} (images per optimizer step, '
            f'the recipe behind the config\'s numbers) does not divide over '
            f'{world_size} processes; run on a number of processes that '
            f'divides {total}, or train another recipe with '
            '--cfg-options recipe.total_batch_size=B (and the lr that goes '
            'with it).')
    cfg.train_dataloader.batch_size = total // world_size
    if world_size > 1 and recipe.get('sync_bn', True) and \
            cfg.get('sync_bn') is None and torch.cuda.is_available():
        cfg.sync_bn = 'torch'
    return cfg
