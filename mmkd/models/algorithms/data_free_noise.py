"""The noise of data-free distillation: one global batch per draw, sliced
per process, so any number of processes sees the same noise and a resumed
run draws what an uninterrupted one would."""
import torch
from mmengine.dist import get_dist_info


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
