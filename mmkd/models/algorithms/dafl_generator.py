"""The image generator of DAFL (Chen et al., ICCV 2019)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS


@MODELS.register_module()
class DAFLGenerator(nn.Module):
    """Noise ``z`` to images, the DCGAN-style generator of DAFL's code.

    ``z`` -> linear to ``128 x (s/4) x (s/4)`` -> BN -> x2 upsampling ->
    conv3x3 (128) -> BN -> LeakyReLU(0.2) -> x2 upsampling -> conv3x3 (64)
    -> BN -> LeakyReLU(0.2) -> conv3x3 (``channels``) -> tanh -> BN without
    affine parameters, so the images arrive standardised, like real images
    after the data preprocessor.

    Args:
        latent_dim (int): Size of ``z``. Defaults to 100.
        img_size (int): Height and width of the images, a multiple of 4.
            Defaults to 32.
        channels (int): Image channels. Defaults to 3.
        batch_norm (bool): Use the BN layers (False only for tests that
            compare runs with different per-process batches).
            Defaults to True.
    """

    def __init__(self,
                 latent_dim: int = 100,
                 img_size: int = 32,
                 channels: int = 3,
                 batch_norm: bool = True) -> None:
        super().__init__()
        if img_size % 4:
            raise ValueError(f'img_size must be a multiple of 4, got '
                             f'{img_size}.')
        self.latent_dim = latent_dim
        self.init_size = img_size // 4

        def norm(channels: int, eps: float = 1e-5, affine: bool = True):
            return nn.BatchNorm2d(channels, eps=eps, affine=affine) \
                if batch_norm else nn.Identity()

        self.fc = nn.Linear(latent_dim, 128 * self.init_size**2)
        self.norm0 = norm(128)
        # eps=0.8 is what DAFL's code passes (as BatchNorm2d's 2nd argument)
        self.block1 = nn.Sequential(
            nn.Conv2d(128, 128, 3, padding=1), norm(128, 0.8),
            nn.LeakyReLU(0.2, inplace=True))
        self.block2 = nn.Sequential(
            nn.Conv2d(128, 64, 3, padding=1), norm(64, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(64, channels, 3, padding=1), nn.Tanh(),
            norm(channels, affine=False))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``(N, channels, img_size, img_size)`` from ``z`` ``(N,
        latent_dim)``."""
        x = self.fc(z).view(z.size(0), 128, self.init_size, self.init_size)
        x = F.interpolate(self.norm0(x), scale_factor=2)
        x = F.interpolate(self.block1(x), scale_factor=2)
        return self.block2(x)
