"""The noise of data-free distillation: one global batch per draw, sliced
per process, so any number of processes sees the same noise and a resumed
run draws what an uninterrupted one would."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.dist import get_dist_info

from ..recorders import unwrap_model


def noise_slice(seed: int, draw: int, batch_size: int, latent_dim: int,
                device: torch.device) -> torch.Tensor:
    """This process's ``(batch_size, latent_dim)`` slice of draw number
    ``draw`` of the global noise batch (``world_size * batch_size`` vectors
    from a generator seeded by ``seed`` and ``draw``).

    Args:
        seed (int): The run's noise seed.
        draw (int): How many draws came before this one.
        batch_size (int): Noise vectors per process.
        latent_dim (int): Size of each vector.
        device (torch.device): Where the slice goes.

    Returns:
        Tensor: The slice, float32, on ``device``.
    """
    rank, world = get_dist_info()
    rng = torch.Generator().manual_seed((seed * 1_000_003 + draw) % 2**62)
    noise = torch.randn(world * batch_size, latent_dim, generator=rng)
    start = rank * batch_size
    return noise[start:start + batch_size].to(device)


def register_noise_buffers(module: nn.Module, seed: Optional[int],
                           counter: str) -> None:
    """Give ``module`` the checkpointed ``noise_seed`` (the run's seed,
    ``torch.initial_seed()``, when None) and a draw counter named
    ``counter``, so a resumed run draws what an uninterrupted one would."""
    seed = torch.initial_seed() if seed is None else seed
    module.register_buffer('noise_seed',
                           torch.tensor(seed % 2**62, dtype=torch.long))
    module.register_buffer(counter, torch.tensor(0, dtype=torch.long))


def next_noise(module: nn.Module, counter: str) -> torch.Tensor:
    """This process's slice of ``module``'s next global noise batch (its
    ``noise_seed``, ``counter``, ``batch_size`` and ``generator``'s
    ``latent_dim``); advances the counter."""
    count = getattr(module, counter)
    noise = noise_slice(
        int(module.noise_seed), int(count), module.batch_size,
        unwrap_model(module.generator).latent_dim, count.device)
    count += 1
    return noise
