"""The translator of Factor Transfer (Kim, Park and Kwak, "Paraphrasing
Complex Network: Network Compression via Factor Transfer", NeurIPS 2018):
encodes the student's feature into a factor shaped like the paraphraser's."""
from typing import Optional

from mmkd.registry import MODELS
from .connectors import BaseConnector
from .paraphraser import check_channels, conv_stack, factor_channels


@MODELS.register_module()
class Translator(BaseConnector):
    """Convolutional encoder from the student's feature to a factor shaped
    like the paraphraser's: ``Cs -> Cs -> kCt -> kCt``, 3x3 conv-BN-LeakyReLU
    (with BN by default, as RepDistiller's translator).

    Args:
        in_channels (int): Student channels ``Cs``.
        out_channels (int): Teacher channels ``Ct`` (the factor has
            ``rate * Ct``).
        rate (float): Paraphrase rate ``k`` of the paired paraphraser.
            Defaults to 0.5.
        negative_slope (float): Of the LeakyReLUs. Defaults to 0.1.
        use_bn (bool): BN after each convolution. Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 rate: float = 0.5,
                 negative_slope: float = 0.1,
                 use_bn: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = factor_channels(out_channels, rate)
        self.encoder = conv_stack(
            [in_channels, in_channels, self.out_channels, self.out_channels],
            False, negative_slope, use_bn)

    def forward_connect(self, feature, reference):
        check_channels('Translator', feature, self.in_channels)
        return self.encoder(feature)
