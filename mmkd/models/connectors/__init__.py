from .connectors import (BaseConnector, ConvBNConnector, IdentityConnector,
                         ResizeConnector)

__all__ = [
    'BaseConnector', 'ConvBNConnector', 'IdentityConnector', 'ResizeConnector'
]
