from .connectors import (BaseConnector, ConvBNConnector, IdentityConnector,
                         ResizeConnector)
from .linear_embed import LinearEmbedConnector
from .mgd_connector import MGDConnector
from .norm_connector import ConvNormConnector, NormConnector
from .normalize import L2NormalizeConnector
from .paraphraser import Paraphraser
from .translator import Translator

__all__ = [
    'BaseConnector', 'ConvBNConnector', 'IdentityConnector', 'ResizeConnector',
    'LinearEmbedConnector', 'MGDConnector', 'NormConnector',
    'ConvNormConnector', 'L2NormalizeConnector', 'Paraphraser', 'Translator'
]
