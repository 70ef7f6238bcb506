from .connectors import (BaseConnector, ConvBNConnector, IdentityConnector,
                         ResizeConnector)
from .mgd_connector import MGDConnector
from .linear_embed import LinearEmbedConnector
from .paraphraser import Paraphraser
from .translator import Translator

__all__ = [
    'Paraphraser', 'Translator',
    'LinearEmbedConnector',
    'BaseConnector', 'ConvBNConnector', 'IdentityConnector',
    'ResizeConnector', 'MGDConnector'
]
