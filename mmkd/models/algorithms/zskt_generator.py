"""The image generator of ZSKT (Micaelli & Storkey, NeurIPS 2019)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS


@MODELS.register_module()
class ZSKTGenerator(nn.Module):
    """Noise ``z`` to images, the generator of ZSKT's code
    (polo5/ZeroShotKnowledgeTransfer, ``models/generator.py``).

    ``z`` -> linear to ``h x (s/4) x (s/4)`` -> BN -> x2 nearest upsampling
    -> conv3x3 (h) -> BN -> LeakyReLU(0.2) -> x2 upsampling -> conv3x3
    (h/2) -> BN -> LeakyReLU(0.2) -> conv3x3 (``channels``) -> BN with
    affine parameters (``h = hidden_channels``). Unlike
    :class:`~mmkd.models.algorithms.DAFLGenerator` there is no tanh and the
    last BN learns a scale and shift.

    Args:
        latent_dim (int): Size of ``z``. Defaults to 100.
        img_size (int): Height and width of the images, a multiple of 4.
            Defaults to 32.
        channels (int): Image channels. Defaults to 3.
        hidden_channels (int): ``h``. Defaults to 128.
    """

    def __init__(self,
                 latent_dim: int = 100,
                 img_size: int = 32,
                 channels: int = 3,
                 hidden_channels: int = 128) -> None:
        super().__init__()
        if img_size % 4:
            raise ValueError(f'img_size must be a multiple of 4, got '
                             f'{img_size}.')
        hidden = hidden_channels
        self.latent_dim = latent_dim
        self.hidden_channels = hidden
        self.init_size = img_size // 4
        self.fc = nn.Linear(latent_dim, hidden * self.init_size**2)
        self.norm0 = nn.BatchNorm2d(hidden)
        self.block1 = nn.Sequential(
            nn.Conv2d(hidden, hidden, 3, padding=1), nn.BatchNorm2d(hidden),
            nn.LeakyReLU(0.2, inplace=True))
        self.block2 = nn.Sequential(
            nn.Conv2d(hidden, hidden // 2, 3, padding=1),
            nn.BatchNorm2d(hidden // 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(hidden // 2, channels, 3, padding=1),
            nn.BatchNorm2d(channels))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``(N, channels, img_size, img_size)`` from ``z`` ``(N,
        latent_dim)``."""
        x = self.fc(z).view(
            z.size(0), self.hidden_channels, self.init_size, self.init_size)
        x = F.interpolate(self.norm0(x), scale_factor=2)
        x = F.interpolate(self.block1(x), scale_factor=2)
        return self.block2(x)
