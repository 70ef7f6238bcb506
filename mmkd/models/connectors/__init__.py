from .connectors import (BaseConnector, ConvBNConnector, IdentityConnector,
                         ResizeConnector)
from .mgd_connector import MGDConnector

__all__ = [
    'BaseConnector', 'ConvBNConnector', 'IdentityConnector',
    'ResizeConnector', 'MGDConnector'
]
