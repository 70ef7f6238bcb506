"""The image generator of DAFL (Chen et al., ICCV 2019)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS


@MODELS.register_module()
class DAFLGenerator(nn.Module):
    """Noise ``z`` to images, the DCGAN-style generator of DAFL's code.

    ``z`` -> linear to ``h x (s/4) x (s/4)`` -> BN -> x2 upsampling ->
    conv3x3 (h) -> BN -> LeakyReLU(0.2) -> x2 upsampling -> conv3x3 (h/2)
    -> BN -> LeakyReLU(0.2) -> conv3x3 (``channels``) -> tanh -> BN without
    affine parameters, so the images arrive standardised, like real images
    after the data preprocessor (``h = hidden_channels``). DFAD's
    ``GeneratorA`` (Fang et al., 2019) is this network with ``bn_eps=1e-5``.

    Args:
        latent_dim (int): Size of ``z``. Defaults to 100.
        img_size (int): Height and width of the images, a multiple of 4.
            Defaults to 32.
        channels (int): Image channels. Defaults to 3.
        batch_norm (bool): Use the BN layers (False only for tests that
            compare runs with different per-process batches).
            Defaults to True.
        hidden_channels (int): ``h``. Defaults to 128.
        bn_eps (float): eps of the two BN layers after the convolutions
            (0.8 in DAFL's code, which passes it as BatchNorm2d's second
            argument; 1e-5 in DFAD's). Defaults to 0.8.
    """

    def __init__(self,
                 latent_dim: int = 100,
                 img_size: int = 32,
                 channels: int = 3,
                 batch_norm: bool = True,
                 hidden_channels: int = 128,
                 bn_eps: float = 0.8) -> None:
        super().__init__()
        if img_size % 4:
            raise ValueError(f'img_size must be a multiple of 4, got '
                             f'{img_size}.')
        self.latent_dim = latent_dim
        self.init_size = img_size // 4

        def norm(channels: int, eps: float = 1e-5, affine: bool = True):
            return nn.BatchNorm2d(channels, eps=eps, affine=affine) \
                if batch_norm else nn.Identity()

        hidden = hidden_channels
        self.hidden_channels = hidden
        self.fc = nn.Linear(latent_dim, hidden * self.init_size**2)
        self.norm0 = norm(hidden)
        self.block1 = nn.Sequential(
            nn.Conv2d(hidden, hidden, 3, padding=1), norm(hidden, bn_eps),
            nn.LeakyReLU(0.2, inplace=True))
        self.block2 = nn.Sequential(
            nn.Conv2d(hidden, hidden // 2, 3, padding=1),
            norm(hidden // 2, bn_eps), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(hidden // 2, channels, 3, padding=1), nn.Tanh(),
            norm(channels, affine=False))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``(N, channels, img_size, img_size)`` from ``z`` ``(N,
        latent_dim)``."""
        x = self.fc(z).view(
            z.size(0), self.hidden_channels, self.init_size, self.init_size)
        x = F.interpolate(self.norm0(x), scale_factor=2)
        x = F.interpolate(self.block1(x), scale_factor=2)
        return self.block2(x)
