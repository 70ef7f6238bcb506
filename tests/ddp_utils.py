"""Helpers for tests that run two CPU processes under gloo DDP."""
import os
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def init_gloo(rank: int, world: int, port: int, env_ranks: bool = False):
    """Join a gloo process group on 127.0.0.1:``port`` with one thread;
    ``env_ranks`` also sets RANK/WORLD_SIZE/LOCAL_RANK, as a launcher does
    (MMEngine's ``launcher='pytorch'`` reads them)."""
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    if env_ranks:
        os.environ.update(
            RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=world)


def spawn_and_wait(worker,
                   args,
                   what: str,
                   nprocs: int = 2,
                   timeout: float = 120) -> None:
    """``worker(rank, *args)`` in ``nprocs`` processes; kill them and fail
    naming ``what`` if they have not finished within ``timeout`` s."""
    context = mp.spawn(worker, args=args, nprocs=nprocs, join=False)
    deadline = time.time() + timeout
    while not context.join(timeout=5):
        if time.time() > deadline:
            for process in context.processes:
                process.kill()
            raise AssertionError(f'{what} did not finish')
